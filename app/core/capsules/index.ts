export { Drain, Cluster, mineLines, templateId, WILDCARD, type DrainOptions, type MineResult, type MinedCapsule } from './drain.js';
export { maskLine, DEFAULT_MASKS, type MaskRule } from './mask.js';
export { compileFormat, type ContentExtractor } from './format.js';
export { groupingAccuracy } from './accuracy.js';
export { mergeTemplates, constantTokens, structureSimilarity, CapsuleSuccessors, type TemplateInfo, type MergeOptions } from './merge.js';
