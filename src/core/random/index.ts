export type { Rng } from './rng.js';
export { SeededRng } from './rng.js';
