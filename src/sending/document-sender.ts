import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LetterPdf } from '../channels/document/pdf.js';
import type { Clock } from '../core/index.js';
import type { Renderer } from '../render/index.js';
import type { LedgerRow } from './email-sender.js';

export interface RenderedDocument {
  file: string;
  letters: number;
  pages: number;
  bytes: number;
}

/**
 * The document channel's "send" (PRODUCT.md §9): one PDF with one letter per ledger row, in
 * ledger order, each letter starting on a new page. The renderer prepares the mailing once and
 * composes each letter exactly as the preview does; merge data is read 500 recipients at a time
 * and pages are flushed per letter, so memory stays flat. The PDF is written beside its final
 * name and renamed when complete: a crash never leaves a half PDF under the served name.
 */
export class DocumentRenderer {
  constructor(
    private readonly renderer: Renderer,
    private readonly dir: string,
    private readonly clock: Clock,
  ) {}

  /** Where a mailing round's PDF lives. */
  fileOf(mailingId: number, round: number): string {
    return join(this.dir, `mailing-${mailingId}-round-${round}.pdf`);
  }

  async render(mailingId: number, round: number, rows: readonly LedgerRow[]): Promise<RenderedDocument> {
    const prepared = await this.renderer.prepare(mailingId);
    if (prepared.channel !== 'document') throw new Error(`mailing ${mailingId} is not a document mailing`);
    // merged letters hold names and addresses: readable by our user only
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(mailingId, round);
    const partial = `${file}.partial`;
    const pdf = await LetterPdf.open(createWriteStream(partial, { mode: 0o600 }), { title: prepared.name });
    // one date for every letter of the round
    const now = this.clock.now();
    let letters = 0;
    try {
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const data = await this.renderer.recipientData(
          mailingId,
          chunk.map((r) => r.recipient_id ?? 0),
        );
        for (const r of chunk) {
          const d = data.get(r.recipient_id ?? 0);
          if (!d) continue;
          pdf.add(
            this.renderer.renderFor(
              prepared,
              { id: r.recipient_id ?? 0, address: r.address, data: d },
              { now },
            ),
          );
          letters += 1;
          if (letters % 25 === 0) await pdf.settle();
        }
      }
      const { pages } = await pdf.end();
      await rename(partial, file);
      return { file, letters, pages, bytes: (await stat(file)).size };
    } catch (e) {
      await pdf.end().catch(() => undefined);
      await rm(partial, { force: true });
      throw e;
    }
  }
}
