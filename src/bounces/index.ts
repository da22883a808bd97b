// bounces' public surface: other modules import these, never its files
export { type BlockedAddress, BouncesService, blockedQuery } from './bounces.service.js';
export { readWebhook, type WebhookProvider } from './webhooks.js';
