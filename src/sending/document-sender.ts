import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { composeLetter, type LetterFrame } from '../channels/document/letter.js';
import { LetterPdf } from '../channels/document/pdf.js';
import type { Clock } from '../core/index.js';
import type { DocumentContent, DocumentSetup, MailingsService } from '../mailings/index.js';
import { compileTemplate, knownFieldTest, mergeValues } from '../merge/index.js';
import type { RecipientsService } from '../recipients/index.js';
import type { LedgerRow } from './email-sender.js';

export interface RenderedDocument {
  file: string;
  letters: number;
  pages: number;
  bytes: number;
}

/**
 * The document channel's "send" (PRODUCT.md §9): one PDF with one letter per ledger row, in
 * ledger order, each letter starting on a new page. Merge data is read 500 recipients at a time
 * and pages are flushed per letter, so memory stays flat. The PDF is written beside its final
 * name and renamed when complete: a crash never leaves a half PDF under the served name.
 */
export class DocumentRenderer {
  constructor(
    private readonly mailings: MailingsService,
    private readonly recipients: RecipientsService,
    private readonly dir: string,
    private readonly clock: Clock,
  ) {}

  /** Where a mailing round's PDF lives. */
  fileOf(mailingId: number, round: number): string {
    return join(this.dir, `mailing-${mailingId}-round-${round}.pdf`);
  }

  async render(mailingId: number, round: number, rows: readonly LedgerRow[]): Promise<RenderedDocument> {
    const m = await this.mailings.get(mailingId);
    const setup = m.setup as DocumentSetup;
    const isKnown = knownFieldTest(await this.mailings.catalogue());
    const compile = (source: string) => {
      const { program, errors } = compileTemplate(source, 'text', { isKnown });
      if (!program) throw new Error(`merge errors: ${errors[0]?.message ?? ''} (line ${errors[0]?.line})`);
      return program;
    };
    const body = compile((m.content as DocumentContent).body);
    const ourReference = compile(setup.ourReference);
    const frame: LetterFrame = {
      senderBlock: setup.senderBlock,
      heading: setup.heading,
      attention: setup.attention,
    };
    // merged letters hold names and addresses: readable by our user only
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(mailingId, round);
    const partial = `${file}.partial`;
    const pdf = await LetterPdf.open(createWriteStream(partial, { mode: 0o600 }), { title: m.name });
    const now = this.clock.now();
    const date = new Date(now);
    let letters = 0;
    try {
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const data = await this.recipients.mergeDataMany(
          mailingId,
          chunk.map((r) => r.recipient_id ?? 0),
        );
        for (const r of chunk) {
          const d = data.get(r.recipient_id ?? 0);
          if (!d) continue;
          const values = mergeValues(d);
          const merged = {
            body: body.render(values, { now }),
            ourReference: ourReference.render(values, { now }),
          };
          pdf.add(composeLetter(frame, d, merged, date));
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
