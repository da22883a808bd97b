export * from './email-sender.js';
export * from './sending.service.js';
export * from './worker.js';
