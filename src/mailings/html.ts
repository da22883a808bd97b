import { decodeHTML } from 'entities';
import { Parser } from 'htmlparser2';

/** One attribute of one element, with the exact range of its raw (undecoded) value in the document. */
export interface ScannedAttribute {
  tag: string;
  name: string;
  /** Offset of the first character of the value, and one past its last. */
  start: number;
  end: number;
  /** The value as written (entities not decoded). */
  raw: string;
  /** The value with entities decoded. */
  value: string;
}

export interface ScannedTag {
  name: string;
  attributes: Record<string, string>;
  /** Offset of the `<` of the tag, and of its closing `>`. */
  start: number;
  end: number;
}

/**
 * A real HTML tokenizer (htmlparser2), never regexes over HTML. Attribute values keep their exact
 * source range, so link rewriting replaces just the href value and leaves every other byte of the
 * document (MSO conditional comments included) as it was.
 */
class ScanningParser extends Parser {
  readonly attributes: ScannedAttribute[] = [];
  private currentTag = '';
  private attrName = '';
  private valueStart = -1;
  private valueEnd = -1;
  private readonly source: string;

  constructor(source: string, tags: ScannedTag[], xmlMode: boolean) {
    super(
      {
        onopentagname: (name) => {
          this.currentTag = name;
        },
        onopentag: (name, attributes) => {
          tags.push({ name, attributes: decodeAll(attributes), start: this.startIndex, end: this.endIndex });
        },
      },
      {
        decodeEntities: false,
        lowerCaseAttributeNames: true,
        lowerCaseTags: true,
        xmlMode,
        recognizeSelfClosing: true,
      },
    );
    this.source = source;
  }

  override onattribname(start: number, endIndex: number): void {
    super.onattribname(start, endIndex);
    this.attrName = this.source.slice(start, endIndex).toLowerCase();
    this.valueStart = -1;
    this.valueEnd = -1;
  }

  override onattribdata(start: number, endIndex: number): void {
    super.onattribdata(start, endIndex);
    if (this.valueStart < 0) this.valueStart = start;
    this.valueEnd = endIndex;
  }

  override onattribend(quote: Parameters<Parser['onattribend']>[0], endIndex: number): void {
    if (this.valueStart >= 0) {
      const raw = this.source.slice(this.valueStart, this.valueEnd);
      this.attributes.push({
        tag: this.currentTag,
        name: this.attrName,
        start: this.valueStart,
        end: this.valueEnd,
        raw,
        value: decodeHTML(raw),
      });
    }
    super.onattribend(quote, endIndex);
  }
}

function decodeAll(attributes: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) out[k] = decodeHTML(v);
  return out;
}

/** Scans a document (HTML, or MJML with `xmlMode`) for its elements and attributes. */
export function scanHtml(
  source: string,
  options: { xmlMode?: boolean } = {},
): {
  tags: ScannedTag[];
  attributes: ScannedAttribute[];
} {
  const tags: ScannedTag[] = [];
  const parser = new ScanningParser(source, tags, options.xmlMode ?? false);
  parser.end(source);
  return { tags, attributes: parser.attributes };
}

/** Line and column (1-based) of an offset. */
export function lineColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastBreak = -1;
  for (let k = source.indexOf('\n'); k >= 0 && k < offset; k = source.indexOf('\n', k + 1)) {
    line += 1;
    lastBreak = k;
  }
  return { line, column: offset - lastBreak };
}
