export { dot, norm, normalize, cosine, topK, toMatrix, topKMatrix, type Matrix, type Vector, type Neighbour } from './math.js';
export { BUILTIN_DIMENSIONS, fitIdf, hashedVector, idf, words, type IdfTable } from './hashing.js';
