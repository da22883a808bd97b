export * from './build.js';
export * from './progress.js';
export * from './recipients.service.js';
