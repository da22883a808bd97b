export * from './clock.js';
export * from './errors.js';
export * from './tokens.js';
export * from './actor.js';
