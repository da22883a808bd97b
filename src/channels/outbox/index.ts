export { type OutboxItem, OutboxService } from './outbox.service.js';
