import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type PDFDocumentType from 'pdfkit';
import type { Letter, Run } from './letter.js';

const mm = 72 / 25.4;
/** A4 in points, with the DIN 5008 (form B) address window at 20 mm from the left, 45 mm from the top. */
const page = { width: 210 * mm, height: 297 * mm };
const left = 25 * mm;
const right = 20 * mm;
const textWidth = page.width - left - right;
const window = { x: 20 * mm, y: 45 * mm, width: 85 * mm, height: 45 * mm };

/**
 * Writes letters into one PDF, each starting on a new page, with "Page i of n" per letter. Pages
 * are flushed to the stream after every letter, so memory stays flat however many letters there
 * are. Fonts are the PDF standard Helvetica (WinAnsi: Western European characters).
 */
export class LetterPdf {
  private readonly doc: PDFKit.PDFDocument;
  private pages = 0;
  private readonly done: Promise<void>;

  /** A new PDF on `out` (pdfkit is loaded on first use: only document mailings need it). */
  static async open(out: Writable, info: { title: string }): Promise<LetterPdf> {
    const { default: PDFDocument } = await import('pdfkit');
    return new LetterPdf(PDFDocument, out, info);
  }

  private constructor(
    PDFDocument: typeof PDFDocumentType,
    private readonly out: Writable,
    info: { title: string },
  ) {
    this.doc = new PDFDocument({
      size: 'A4',
      bufferPages: true,
      autoFirstPage: false,
      margins: { top: 20 * mm, bottom: 25 * mm, left, right },
      info: { Title: info.title, Producer: 'Posthorn', Creator: 'Posthorn' },
    });
    this.done = new Promise<void>((resolve, reject) => {
      out.once('finish', resolve);
      out.once('error', reject);
    });
    this.doc.pipe(out);
  }

  /** Adds one letter; returns how many pages it took. */
  add(l: Letter): number {
    const d = this.doc;
    d.addPage();
    const first = d.bufferedPageRange().start + d.bufferedPageRange().count - 1;
    // sender block, top right
    d.font('Helvetica').fontSize(9).fillColor('#333333');
    d.text(l.senderBlock, page.width - right - 70 * mm, 20 * mm, { width: 70 * mm, align: 'right' });
    // the return line over the address window, then the address
    d.fontSize(7).text(l.senderBlock.split('\n').join(' · ').slice(0, 90), window.x, window.y, {
      width: window.width,
      lineBreak: false,
      height: 10,
    });
    d.fontSize(11).fillColor('black');
    d.text(l.addressLines.join('\n'), window.x, window.y + 5 * mm + 12, {
      width: window.width,
      height: window.height - 17,
    });
    // date and references, right of the window
    let y = window.y + 5 * mm + 12;
    const infoX = 125 * mm;
    d.fontSize(10);
    for (const [label, value] of [
      ['Date', l.date],
      ['Our ref.', l.ourReference],
      ['Attn.', l.attention],
    ] as const) {
      if (!value) continue;
      d.font('Helvetica-Bold').text(`${label}: `, infoX, y, { continued: true, width: 65 * mm });
      d.font('Helvetica').text(value);
      y = d.y + 2;
    }
    d.font('Helvetica-Bold')
      .fontSize(13)
      .text(l.heading, left, 105 * mm, { width: textWidth });
    d.moveDown(0.8);
    d.fontSize(11);
    for (const b of l.body) {
      if (b.kind === 'paragraph') {
        for (const line of b.lines) this.runs(line, left, textWidth);
      } else {
        if (b.kind === 'bullets') for (const item of b.items) this.item('•', item);
        else for (const item of b.items) this.item(`${item.n}.`, item.runs);
      }
      d.moveDown(0.7);
    }
    // page numbers for this letter's pages, then hand the pages to the stream
    const range = d.bufferedPageRange();
    const count = range.start + range.count - first;
    for (let i = 0; i < count; i++) {
      d.switchToPage(first + i);
      const bottom = d.page.margins.bottom;
      d.page.margins.bottom = 0;
      d.font('Helvetica')
        .fontSize(8)
        .fillColor('#555555')
        .text(`Page ${i + 1} of ${count}`, left, page.height - 15 * mm, {
          width: textWidth,
          align: 'right',
          lineBreak: false,
        });
      d.page.margins.bottom = bottom;
      d.fillColor('black');
    }
    d.flushPages();
    this.pages += count;
    return count;
  }

  /**
   * Lets the written pages flow to the stream and waits while it is behind (pdfkit produces
   * synchronously; without this a long run would hold its whole output in memory).
   */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.out.writableLength > 1 << 22) await once(this.out, 'drain');
  }

  /** Finishes the document; resolves when the stream has it all. */
  async end(): Promise<{ pages: number }> {
    this.doc.end();
    await this.done;
    return { pages: this.pages };
  }

  private item(marker: string, runs: Run[]): void {
    const d = this.doc;
    // the marker and its text start on the same page
    if (d.y + d.currentLineHeight(true) > d.page.height - d.page.margins.bottom) d.addPage();
    const y = d.y;
    d.font('Helvetica').text(marker, left + 2 * mm, y, { width: 6 * mm, lineBreak: false });
    this.runs(runs, left + 8 * mm, textWidth - 8 * mm, y);
  }

  private runs(runs: Run[], x: number, width: number, y?: number): void {
    const d = this.doc;
    if (runs.length === 0) return;
    runs.forEach((r, i) => {
      d.font(r.bold ? 'Helvetica-Bold' : 'Helvetica');
      const last = i === runs.length - 1;
      if (i === 0) d.text(r.text, x, y ?? d.y, { width, continued: !last });
      else d.text(r.text, { continued: !last });
    });
  }
}
