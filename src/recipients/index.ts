export * from './build.js';
export * from './recipients.service.js';
