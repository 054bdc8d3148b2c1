export type { Rng } from './rng.js';
export { SeededRng } from './rng.js';
export { shuffleInPlace } from './shuffle.js';
