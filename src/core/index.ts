export * from './actor.js';
export * from './clock.js';
export * from './errors.js';
export * from './tokens.js';
export * from './key-set.js';
