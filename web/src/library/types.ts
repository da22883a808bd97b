/**
 * Answers of the library routes, typed by hand from the services (src/mailings/*.service.ts)
 * until the routes declare response schemas; field names are the API's.
 */
import type { Channel } from '../api/types';

/** GET /api/v1/templates, /templates/{id} (src/mailings/templates.service.ts) */
export interface LibraryTemplate {
  id: number;
  name: string;
  channel: Channel;
  folderId: number | null;
  description: string | null;
  /** The setup fields the template carries (subject, preheader, sender, heading …). */
  setup: Record<string, unknown>;
  content: { format?: 'mjml' | 'html'; source?: string; text?: string; body?: string };
  /** Built-in starters cannot be changed or deleted: copy them. */
  starter: boolean;
  createdAt: number;
  updatedAt: number;
}

/** GET /api/v1/tracked-links (src/mailings/tracked-links.service.ts) */
export interface TrackedLink {
  id: number;
  name: string;
  url: string;
  folderId: number | null;
  actions: Array<{ type: string } & Record<string, unknown>>;
  createdAt: number;
  updatedAt: number;
}

/** GET /api/v1/images (src/mailings/images.service.ts) */
export interface LibraryImage {
  id: number;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** Public path, no login needed: `/media/<name>`. */
  path: string;
  createdAt: number;
}
