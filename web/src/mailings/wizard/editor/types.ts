/**
 * Answers the e-mail editor reads, typed by hand from the services until the routes declare
 * response schemas (then they come from schema.d.ts). Field names are the API's.
 */

/** GET /api/v1/tracked-links (src/mailings/tracked-links.service.ts `TrackedLink`) */
export interface TrackedLink {
  id: number;
  name: string;
  url: string;
  folderId: number | null;
  createdAt: number;
  updatedAt: number;
}

/** GET /api/v1/images, POST /api/v1/images (src/mailings/images.service.ts `Image`) */
export interface LibraryImage {
  id: number;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** Public path, e.g. `/media/abc.png` (absolute under the public URL in sent mailings). */
  path: string;
  createdAt: number;
}
