export * from './email.js';
export * from './mobile.js';
