import type { components } from '../../../api/schema';

/** GET /api/v1/tracked-links (an item): the generated component (docs/decisions/0010). */
export type TrackedLink = components['schemas']['TrackedLink'];
/** GET /api/v1/images, POST /api/v1/images: `path` is public (`/media/…`). */
export type LibraryImage = components['schemas']['Image'];
