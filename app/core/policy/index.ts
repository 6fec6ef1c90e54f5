export * from './schema.js';
export * from './change.js';
export * from './cost.js';
export * from './evaluate.js';
