export * from './document-sender.js';
export * from './email-sender.js';
export * from './sending.service.js';
export * from './throttle.js';
export * from './worker.js';
