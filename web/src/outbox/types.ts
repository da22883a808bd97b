import type { components } from '../api/schema';

/** GET /api/v1/outbox (an item): the generated component (docs/decisions/0010). */
export type OutboxItem = components['schemas']['OutboxMessage'];
