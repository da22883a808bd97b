import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { inflateRawSync, constants as zlib } from 'node:zlib';
import { parse } from 'csv-parse';
import type ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { AppError, invalid } from '../../core/index.js';

export interface RowSource {
  format: 'csv' | 'xlsx';
  encoding: 'utf-8' | 'windows-1252' | null;
  delimiter: ',' | ';' | '\t' | null;
  headers: string[];
  totalBytes: number;
  /** How far into the file the rows read so far reach, in bytes (for progress). */
  bytesRead(): number;
  /**
   * How many data rows the file holds: estimated from the rows and bytes read so far (the whole
   * file need not be counted first), never fewer than the rows read, exact once all are read.
   */
  estimateRows(): number;
  /** Data rows with their 1-based line (CSV) or row (XLSX) number. */
  rows(): AsyncGenerator<{ line: number; values: string[] }>;
}

export interface ReadOptions {
  maxBytes: number;
  /**
   * How errors name the file: the upload's original name, since an uploaded file is a temporary
   * copy whose server path must not reach the client. Default: the path as given (the CLI's own).
   */
  name?: string | undefined;
  delimiter?: ',' | ';' | '\t' | undefined;
  encoding?: 'utf-8' | 'windows-1252' | undefined;
  /**
   * Whether the first record names the columns (default true: the import). False (a recipient
   * file, which may be plain addresses): `rows()` yields the first record too, `headers` is it
   * as read, and an empty first line is no error (the delimiter is sniffed from the first
   * non-empty line).
   */
  header?: boolean | undefined;
  /** Keep a quote inside an unquoted field as text instead of refusing the file (csv-parse `relax_quotes`). */
  relaxQuotes?: boolean | undefined;
}

const SNIFF_BYTES = 64 * 1024;

/**
 * Opens a CSV or XLSX file as a stream of rows; nothing reads the whole file into memory.
 * CSV: UTF-8 with or without BOM, or Windows-1252 (detected when the start is not valid UTF-8);
 * comma, semicolon or tab delimiters (detected from the header line); quoted fields.
 * Refuses, naming the problem: empty, too large, binary, or without a header line.
 */
export async function openRowSource(file: string, options: ReadOptions): Promise<RowSource> {
  const name = options.name ?? file;
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw invalid('IMPORT_FILE_NOT_FOUND', `${name}: no such file`, { file: name });
  }
  if (size === 0) throw invalid('IMPORT_EMPTY_FILE', `${name}: the file is empty`, { file: name });
  if (size > options.maxBytes) {
    throw new AppError(
      'tooLarge',
      'IMPORT_FILE_TOO_LARGE',
      `${name}: ${size} bytes is more than the ${options.maxBytes} allowed`,
      {
        file: name,
        sizeBytes: size,
        maxBytes: options.maxBytes,
      },
    );
  }
  const head = await readHead(file, Math.min(size, SNIFF_BYTES));
  const isZip = head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  if (isZip || extname(file).toLowerCase() === '.xlsx') {
    if (!isZip)
      throw invalid('IMPORT_NOT_XLSX', `${name}: the file is named .xlsx but is not an XLSX workbook`, {
        file: name,
      });
    return openXlsx(file, name, size);
  }
  if (head.includes(0)) {
    throw invalid('IMPORT_NOT_TEXT', `${name}: the file is binary, not CSV text or an XLSX workbook`, {
      file: name,
    });
  }
  const hasBom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const encoding =
    options.encoding ?? (hasBom || isUtf8(head, size <= SNIFF_BYTES) ? 'utf-8' : 'windows-1252');
  const headText = encoding === 'utf-8' ? head.toString('utf8') : iconv.decode(head, 'win1252');
  const header = options.header !== false;
  const firstLine = firstRecordLine(headText.replace(header ? /^\uFEFF/ : /^\uFEFF?\s*/, ''));
  if (header && firstLine.trim() === '')
    throw invalid('IMPORT_NO_HEADER', `${name}: the first line is empty; it must name the columns`, {
      file: name,
    });
  const delimiter = options.delimiter ?? detectDelimiter(firstLine);

  // csv-parse counts the bytes it has parsed in UTF-8; a Windows-1252 file grows by its
  // non-ASCII characters when decoded, so its size is scaled by what the head sample shows
  const parsedSize = encoding === 'utf-8' ? size : size * (Buffer.byteLength(headText) / head.length);
  const open = (): { parser: ReturnType<typeof parse>; raw: Readable } => {
    const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
    const decoded: Readable =
      encoding === 'utf-8' ? raw : raw.pipe(iconv.decodeStream('win1252')).pipe(new PassThrough());
    const parser = parse({
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: options.relaxQuotes === true,
      // empty lines come through (as ['']) and are skipped below, so line numbers can be counted
      // here instead of asking the parser for an info object per record (a fifth of its time)
      skip_empty_lines: false,
      max_record_size: 1_000_000,
    });
    raw.on('error', (e) => parser.destroy(e));
    decoded.pipe(parser);
    return { parser, raw };
  };

  // read the header record through the same parser so quoting rules apply to it as well
  const headers = await (async () => {
    const { parser, raw } = open();
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        if (isEmptyRecord(record)) continue;
        return record.map((h) => h.trim());
      }
    } catch (e) {
      throw csvError(file, name, e);
    } finally {
      // the file stream too: left open it would go on reading the whole file for nothing
      raw.destroy();
      parser.destroy();
    }
    return [];
  })();
  if (header && (headers.length === 0 || headers.every((h) => h === ''))) {
    throw invalid('IMPORT_NO_HEADER', `${name}: the first line must name the columns`, { file: name });
  }
  // Progress: the parser's own position (records made, bytes parsed) — not the file stream's,
  // which reads ahead of the parser, nor the rows taken, which lag behind the records it has made.
  let current: ReturnType<typeof parse> | null = null;
  let records = 0; // records taken from the parser (data rows, the header, empty lines)
  let dataRows = 0;
  let finished = false;
  return {
    format: 'csv',
    encoding,
    delimiter,
    headers,
    totalBytes: size,
    bytesRead: () => {
      const info = current?.info;
      if (finished) return size;
      if (info === undefined || info.records === 0) return 0;
      // the parser is up to a chunk ahead of the records taken: interpolate back to them
      return Math.min(size, Math.round((((info.bytes * records) / info.records) * size) / parsedSize));
    },
    estimateRows: () => {
      const info = current?.info;
      if (finished || info === undefined || info.bytes === 0) return dataRows;
      // records per byte so far, times the file; less the header and empty lines, assumed to be
      // only those already seen
      const estimate = Math.round((info.records * parsedSize) / info.bytes) - (records - dataRows);
      return Math.max(dataRows, estimate);
    },
    async *rows() {
      const { parser, raw } = open();
      current = parser;
      records = 0;
      dataRows = 0;
      finished = false;
      let headerSeen = !header;
      let nextLine = 1;
      try {
        for await (const record of parser as AsyncIterable<string[]>) {
          const line = nextLine;
          records++;
          // a quoted field can hold line breaks: the next record starts after them
          nextLine += 1 + countLineBreaks(record);
          if (isEmptyRecord(record)) continue;
          if (!headerSeen) {
            headerSeen = true;
            continue;
          }
          dataRows++;
          yield { line, values: record };
        }
        finished = true;
      } catch (e) {
        throw csvError(file, name, e);
      } finally {
        raw.destroy();
      }
    },
  };
}

function isEmptyRecord(record: string[]): boolean {
  return record.length === 1 && record[0] === '';
}

function countLineBreaks(record: string[]): number {
  let n = 0;
  for (const field of record) {
    if (field.length > 0 && (field.includes('\n') || field.includes('\r'))) {
      n += field.replace(/\r\n/g, '\n').split(/[\n\r]/).length - 1;
    }
  }
  return n;
}

function csvError(file: string, name: string, e: unknown): AppError {
  if (e instanceof AppError) return e;
  const err = e as { code?: string; message?: string; lines?: number };
  const line = err.lines;
  const reason =
    err.code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'a quoted field is not closed'
      : err.code === 'CSV_INVALID_CLOSING_QUOTE'
        ? 'a quote inside a field is not doubled'
        : err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
          ? 'the row has a different number of fields'
          : err.code === 'CSV_MAX_RECORD_SIZE'
            ? 'a row is longer than 1,000,000 characters'
            : withoutPath(err.message ?? 'unreadable CSV', file, name);
  return invalid('IMPORT_MALFORMED_CSV', `${name}${line ? `:${line}` : ''}: ${reason}`, {
    file: name,
    line: line ?? null,
    reason,
    csvCode: err.code ?? null,
  });
}

/**
 * A library's error text with the file's server path (as given, or made absolute) replaced by the
 * name errors use, and its directory by "…": an upload's temporary path is not the client's
 * business. A text without the path comes back unchanged.
 */
function withoutPath(message: string, file: string, name: string): string {
  if (name === file) return message;
  const absolute = resolve(file);
  const named = [absolute, file].reduce((text, path) => text.split(path).join(name), message);
  const dir = dirname(absolute);
  return dir.length > 1 ? named.split(dir).join('…') : named;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Whether the bytes are valid UTF-8; a multi-byte character cut at the end of the sample is allowed. */
function isUtf8(buf: Buffer, complete: boolean): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let cut = 0; cut <= (complete ? 0 : 3); cut++) {
    try {
      decoder.decode(buf.subarray(0, buf.length - cut));
      return true;
    } catch {
      /* try without the last byte(s) */
    }
  }
  return false;
}

/** The first record's text (up to the first line break outside quotes). */
function firstRecordLine(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) return text.slice(0, i);
  }
  return text;
}

export function detectDelimiter(line: string): ',' | ';' | '\t' {
  const count = (d: string) => {
    let n = 0;
    let quoted = false;
    for (const c of line) {
      if (c === '"') quoted = !quoted;
      else if (!quoted && c === d) n++;
    }
    return n;
  };
  const candidates: Array<',' | ';' | '\t'> = [';', ',', '\t'];
  let best: ',' | ';' | '\t' = ',';
  let bestCount = 0;
  for (const d of candidates) {
    const n = count(d);
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('hyperlink' in value && typeof value.hyperlink === 'string')
      return value.hyperlink.replace(/^mailto:/, '');
    return '';
  }
  return String(value);
}

async function openXlsx(file: string, name: string, size: number): Promise<RowSource> {
  // bytes of the workbook read (for progress): the reader exposes no position of its own
  let read = 0;
  const readRows = async function* (): AsyncGenerator<{ line: number; values: string[] }> {
    // loaded on first use: exceljs is large, and most imports are CSV
    const { default: Excel } = await import('exceljs');
    read = 0;
    const input = createReadStream(file);
    input.on('data', (chunk) => {
      read += chunk.length;
    });
    const reader = new Excel.stream.xlsx.WorkbookReader(input, {
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'ignore',
      worksheets: 'emit',
    });
    try {
      for await (const sheet of reader) {
        for await (const row of sheet) {
          const values = (row.values as ExcelJS.CellValue[]).slice(1).map(cellText);
          yield { line: row.number, values };
        }
        return; // the first worksheet only
      }
    } catch (e) {
      if (e instanceof AppError) throw e;
      // the zip and XML readers name the file by its path in some of their messages
      throw invalid(
        'IMPORT_MALFORMED_XLSX',
        `${name}: not a readable XLSX workbook (${withoutPath((e as Error).message, file, name)})`,
        { file: name },
      );
    } finally {
      input.destroy();
    }
  };
  let headers: string[] | null = null;
  let headerLine = 0;
  for await (const r of readRows()) {
    headers = r.values.map((h) => h.trim());
    headerLine = r.line;
    break;
  }
  if (headers === null || headers.every((h) => h === '')) {
    throw invalid('IMPORT_NO_HEADER', `${name}: the first row of the first worksheet must name the columns`, {
      file: name,
    });
  }
  let rowsRead = 0;
  let finished = false;
  const lastRow = await worksheetLastRow(file, size);
  // The reader usually takes in the whole workbook before its first row (Excel stores the shared
  // strings after the worksheet, so the worksheet waits in a temporary file): bytes read say
  // little. The worksheet's own <dimension> says how many rows it has; without one, rows per
  // byte read is the best guess while bytes remain.
  const estimateRows = (): number => {
    if (finished) return rowsRead;
    if (lastRow !== null) return Math.max(rowsRead, lastRow - headerLine);
    if (read > 0 && read < size) return Math.max(rowsRead, Math.round((rowsRead * size) / read));
    return rowsRead;
  };
  return {
    format: 'xlsx',
    encoding: null,
    delimiter: null,
    headers,
    totalBytes: size,
    // the share of the rows done, in bytes: what the progress of a CSV file shows
    bytesRead: () =>
      finished ? size : Math.min(size - 1, Math.round((size * rowsRead) / Math.max(1, estimateRows()))),
    estimateRows,
    async *rows() {
      rowsRead = 0;
      finished = false;
      for await (const r of readRows()) {
        if (r.line <= headerLine) continue;
        rowsRead++;
        // a worksheet row ends at its last non-empty cell: trailing empty cells are still columns
        const width = headers?.length ?? 0;
        while (r.values.length < width) r.values.push('');
        yield r;
      }
      finished = true;
    },
  };
}

/**
 * The last row of the workbook's first worksheet as its `<dimension ref="A1:D30001">` states it,
 * read from the start of that zip entry (central directory, local header, the first 16 KB
 * inflated), or null when the workbook has none or is not the plain zip this expects (zip64, say):
 * an estimate for progress only.
 */
async function worksheetLastRow(file: string, size: number): Promise<number | null> {
  try {
    const fh = await open(file, 'r');
    try {
      const read = async (length: number, position: number): Promise<Buffer> => {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, position);
        return buf.subarray(0, bytesRead);
      };
      // the end of central directory record: 22 bytes plus a comment of up to 65,535
      const tailLength = Math.min(size, 22 + 65_535);
      const tail = await read(tailLength, size - tailLength);
      const end = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      if (end < 0 || end + 22 > tail.length) return null;
      const cdSize = tail.readUInt32LE(end + 12);
      const cdOffset = tail.readUInt32LE(end + 16);
      if (cdOffset + cdSize > size) return null;
      const cd = await read(cdSize, cdOffset);
      // the worksheet exceljs reads first: the first in the file
      let sheet: { offset: number; method: number; compressed: number } | null = null;
      for (let p = 0; p + 46 <= cd.length && cd.readUInt32LE(p) === 0x02014b50; ) {
        const nameLength = cd.readUInt16LE(p + 28);
        const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
        const offset = cd.readUInt32LE(p + 42);
        if (/^xl\/worksheets\/sheet\d+\.xml$/.test(name) && (sheet === null || offset < sheet.offset)) {
          sheet = { offset, method: cd.readUInt16LE(p + 10), compressed: cd.readUInt32LE(p + 20) };
        }
        p += 46 + nameLength + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
      }
      if (sheet === null || (sheet.method !== 0 && sheet.method !== 8)) return null;
      const local = await read(30, sheet.offset);
      if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) return null;
      const start = sheet.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const data = await read(Math.min(sheet.compressed || 16_384, 16_384), start);
      // a cut deflate stream: the sync flush gives back what the bytes read decode to
      const xml = (
        sheet.method === 0 ? data : inflateRawSync(data, { finishFlush: zlib.Z_SYNC_FLUSH })
      ).toString('utf8');
      const m = /<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"/.exec(xml);
      return m?.[1] === undefined ? null : Number(m[1]);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}
