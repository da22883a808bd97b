export * from './document-sender.js';
export * from './email-router.js';
export * from './email-sender.js';
export * from './sending.service.js';
export * from './sms-receipts.js';
export * from './sms-sender.js';
export * from './throttle.js';
export * from './worker.js';
