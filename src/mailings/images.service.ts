import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely, Selectable } from 'kysely';
import {
  type Actor,
  AppError,
  type AuditSink,
  type Clock,
  invalid,
  notFound,
  type Page,
  type PageQuery,
  randomToken,
} from '../core/index.js';
import type { Database } from '../storage/index.js';

export interface Image {
  id: number;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** Public path (no login): `/media/<name>`; absolute under the public URL in mailings. */
  path: string;
  createdAt: number;
}

/** Only raster formats whose magic bytes we check; SVG is refused (it can carry script). */
const imageTypes: Array<{ type: string; ext: string; test: (b: Buffer) => boolean }> = [
  {
    type: 'image/png',
    ext: 'png',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { type: 'image/jpeg', ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', ext: 'gif', test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  {
    type: 'image/webp',
    ext: 'webp',
    test: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
];

/** The image library: uploads kept in `<data dir>/media`, served publicly under `/media/`. */
export class ImagesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  /** Where the files are (the HTTP layer serves this directory at `/media/`). */
  get directory(): string {
    return this.dir;
  }

  async upload(fileName: string, data: Buffer, actor: Actor): Promise<Image> {
    if (data.length > this.maxBytes)
      throw new AppError('tooLarge', 'IMAGE_TOO_LARGE', `${fileName}: larger than ${this.maxBytes} bytes`, {
        file: fileName,
        maxBytes: this.maxBytes,
      });
    const kind = imageTypes.find((t) => t.test(data));
    if (!kind)
      throw invalid('IMAGE_TYPE_NOT_ALLOWED', `${fileName}: not a PNG, JPEG, GIF or WebP image`, {
        file: fileName,
      });
    const storageName = `${randomToken(12)}.${kind.ext}`;
    // private to our user like the rest of the data directory: the server reads the file to serve it
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(join(this.dir, storageName), data, { mode: 0o600 });
    const r = await this.db
      .insertInto('images')
      .values({
        file_name: fileName.slice(0, 200),
        content_type: kind.type,
        size_bytes: data.length,
        storage_name: storageName,
        created_at: this.clock.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'image.upload', 'image', r.id, { file: fileName, bytes: data.length });
    return toImage(r);
  }

  async list(query: PageQuery): Promise<Page<Image>> {
    const [rows, total] = await Promise.all([
      this.db
        .selectFrom('images')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(query.limit)
        .offset(query.offset)
        .execute(),
      this.db
        .selectFrom('images')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst(),
    ]);
    return { items: rows.map(toImage), total: Number(total?.n ?? 0) };
  }

  async delete(id: number, actor: Actor): Promise<void> {
    const r = await this.db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('IMAGE_NOT_FOUND', `image ${id} does not exist`);
    await this.db.deleteFrom('images').where('id', '=', id).execute();
    await rm(join(this.dir, r.storage_name), { force: true });
    await this.audit.record(actor, 'image.delete', 'image', id);
  }
}

function toImage(r: Selectable<Database['images']>): Image {
  return {
    id: r.id,
    fileName: r.file_name,
    contentType: r.content_type,
    sizeBytes: r.size_bytes,
    path: `/media/${r.storage_name}`,
    createdAt: r.created_at,
  };
}
