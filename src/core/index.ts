export * from './actor.js';
export * from './clock.js';
export * from './errors.js';
export * from './key-set.js';
export * from './random.js';
export * from './redact.js';
export * from './time-zone.js';
export * from './tokens.js';
