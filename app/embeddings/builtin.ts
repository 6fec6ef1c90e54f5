import { BUILTIN_DIMENSIONS, fitIdf, hashedVector, type IdfTable } from '../core/vectors/index.js';
import { checkInput, type Embedder } from './embedder.js';

/**
 * The default provider: hashed word and character n-grams with IDF (app/core/vectors/hashing.ts).
 * The IDF table is fitted once on a fixed reference corpus (the shipped criticality catalog), so a
 * vector does not change when other texts are embedded and stored vectors stay comparable.
 */
export function createBuiltinEmbedder(referenceCorpus: Iterable<string>, dimensions = BUILTIN_DIMENSIONS): Embedder {
  const table: IdfTable = fitIdf(referenceCorpus);
  return {
    provider: 'builtin',
    model: `builtin-hash-v1-${dimensions}`,
    dimensions,
    embed: async (texts) => checkInput(texts).map((t) => hashedVector(t, table, dimensions)),
  };
}
