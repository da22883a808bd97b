/**
 * Answers of the library routes: the generated components of `schema.d.ts` (the routes declare
 * their answers, docs/decisions/0010) under the names the library screens use.
 */
import type { components } from '../api/schema';

type Schemas = components['schemas'];

/** GET /api/v1/templates, /templates/{id}; built-in starters cannot be changed or deleted. */
export type LibraryTemplate = Schemas['Template'];
/** GET /api/v1/tracked-links */
export type TrackedLink = Schemas['TrackedLink'];
/** GET /api/v1/images: `path` is public, no login needed (`/media/<name>`). */
export type LibraryImage = Schemas['Image'];
