import { decodeHTML, decodeHTMLAttribute } from 'entities';
import { Parser, QuoteType } from 'htmlparser2';

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

/**
 * What the sanitiser removed or changed because it can run script (security item 1). The audit
 * turns each into an error; `offset` is where it is in the source it was given.
 */
export type UnsafeHtmlCode =
  | 'SCRIPT_NOT_ALLOWED'
  | 'EVENT_HANDLER_NOT_ALLOWED'
  | 'JAVASCRIPT_URL_NOT_ALLOWED'
  | 'ELEMENT_NOT_ALLOWED'
  | 'MERGE_TAG_IN_MARKUP'
  | 'MERGE_TAG_BEFORE_URL_SCHEME'
  | 'COMMENT_NOT_ALLOWED';

export interface UnsafeHtml {
  code: UnsafeHtmlCode;
  offset: number;
  element: string;
  attribute?: string;
  /** The address as written (entities decoded), for a refused URL. */
  url?: string;
}

export interface SanitizedHtml {
  html: string;
  unsafe: UnsafeHtml[];
}

/**
 * Elements removed with everything inside them: they run script or embed other documents
 * (`script`, `iframe`, `object`, `embed`, …), are raw text to a browser but markup to the parser or
 * the other way round (`xmp`, `noembed`, `noframes`, `plaintext`), or animate an SVG link's target
 * to a `javascript:` URL (`animate`, `set`, …).
 */
const dropWithContent = new Set([
  'script',
  'iframe',
  'object',
  'embed',
  'applet',
  'frame',
  'frameset',
  'portal',
  'noembed',
  'noframes',
  'xmp',
  'plaintext',
  'animate',
  'animatemotion',
  'animatetransform',
  'set',
  'handler',
  'listener',
]);
/** Elements whose tag is removed but whose content stays (a form's fields and text remain visible). */
const unwrapped = new Set(['form', 'base']);
/** Attributes that hold a URL a browser may follow or load; MJML's `background-url`, `*-src` too. */
const urlAttributes = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'background',
  'poster',
  'lowsrc',
  'dynsrc',
  'cite',
  'longdesc',
  'ping',
  'xml:base',
]);
const linkAttributes = new Set(['href', 'xlink:href']);
const scriptSchemes = new Set(['javascript', 'vbscript', 'livescript', 'jscript', 'mocha']);
/** Names a browser and this tokenizer read the same way; anything else (a merge tag in a name) is dropped. */
const tagNameRe = /^[a-z][a-z0-9._:-]*$/i;
const attributeNameRe = /^[a-z_:][a-z0-9._:-]*$/i;
const mergeNameRe = /^[A-Za-z_][\w.-]*$/;
const mergeKeywords = new Set(['IF', 'ELSEIF', 'ELSE', 'ENDIF']);

interface TokenAttribute {
  /** Lower-cased. */
  name: string;
  nameStart: number;
  nameEnd: number;
  /** The raw value's range (-1 when the value is empty or absent) and the value as written. */
  valueStart: number;
  raw: string;
  quote: 'double' | 'single' | 'unquoted' | 'none';
}

type Token =
  | {
      kind: 'open';
      name: string;
      start: number;
      end: number;
      implied: boolean;
      selfClosing: boolean;
      attributes: TokenAttribute[];
    }
  /** `stray`: an end tag the parser found nothing open for (MJML's conditional comments hold many). */
  | { kind: 'close'; name: string; start: number; end: number; implied: boolean; stray: boolean }
  | { kind: 'text'; start: number; text: string }
  | { kind: 'comment'; start: number; data: string }
  | { kind: 'doctype'; start: number; data: string };

/**
 * htmlparser2 as a token stream with exact source positions: the sanitiser writes each token
 * back itself, so what a browser parses is only what was checked.
 */
class TokenizingParser extends Parser {
  readonly tokens: Token[] = [];
  private attributes: TokenAttribute[] = [];
  private attribute: TokenAttribute | null = null;
  private selfClosing = false;
  private at = 0;
  private openStart = 0;
  private close: { start: number; end: number; seen: boolean } | null = null;
  private readonly source: string;

  constructor(source: string, xmlMode: boolean) {
    super(
      {
        // attributes of a tag the parser ignores (a second <form>) are dropped here, never given to the next tag
        onopentagname: () => {
          this.attributes = [];
        },
        onopentag: (name, _attributes, implied) => {
          this.tokens.push({
            kind: 'open',
            name,
            start: implied ? this.startIndex : this.openStart,
            end: this.endIndex,
            implied,
            selfClosing: this.selfClosing,
            attributes: this.attributes,
          });
          this.attributes = [];
        },
        onclosetag: (name, implied) => {
          const explicit = !implied && this.close !== null;
          if (explicit && this.close) this.close.seen = true;
          this.tokens.push({
            kind: 'close',
            name,
            start: explicit && this.close ? this.close.start : -1,
            end: explicit && this.close ? this.close.end : -1,
            implied: !explicit,
            stray: false,
          });
        },
        ontext: (text) => {
          this.tokens.push({ kind: 'text', start: this.at, text });
        },
        oncomment: (data) => {
          this.tokens.push({ kind: 'comment', start: this.at, data });
        },
        onprocessinginstruction: (_name, data) => {
          this.tokens.push({ kind: 'doctype', start: this.at, data });
        },
      },
      {
        decodeEntities: false,
        lowerCaseTags: true,
        lowerCaseAttributeNames: true,
        xmlMode,
        // as browsers do: `<title/>` in HTML still opens raw text (self-closing counts in SVG and MathML only)
        recognizeSelfClosing: xmlMode,
      },
    );
    this.source = source;
  }

  override onopentagname(start: number, endIndex: number): void {
    // the name follows its `<` directly
    this.openStart = start - 1;
    super.onopentagname(start, endIndex);
  }

  override ontext(start: number, endIndex: number): void {
    this.at = start;
    super.ontext(start, endIndex);
  }

  override oncomment(start: number, endIndex: number, offset: number): void {
    this.at = start;
    super.oncomment(start, endIndex, offset);
  }

  override oncdata(start: number, endIndex: number, offset: number): void {
    this.at = start;
    super.oncdata(start, endIndex, offset);
  }

  override ondeclaration(start: number, endIndex: number): void {
    this.at = start;
    super.ondeclaration(start, endIndex);
  }

  override onprocessinginstruction(start: number, endIndex: number): void {
    this.at = start;
    super.onprocessinginstruction(start, endIndex);
  }

  override onselfclosingtag(endIndex: number): void {
    this.selfClosing = true;
    super.onselfclosingtag(endIndex);
    this.selfClosing = false;
  }

  override onclosetag(start: number, endIndex: number): void {
    // the tokenizer reports the name; the tag runs from `</` to the next `>`
    const gt = this.source.indexOf('>', endIndex);
    this.close = { start: start - 2, end: gt < 0 ? this.source.length - 1 : gt, seen: false };
    super.onclosetag(start, endIndex);
    if (!this.close.seen)
      this.tokens.push({
        kind: 'close',
        name: this.source.slice(start, endIndex).toLowerCase(),
        start: this.close.start,
        end: this.close.end,
        implied: false,
        stray: true,
      });
    this.close = null;
  }

  override onattribname(start: number, endIndex: number): void {
    super.onattribname(start, endIndex);
    this.attribute = {
      name: this.source.slice(start, endIndex).toLowerCase(),
      nameStart: start,
      nameEnd: endIndex,
      valueStart: -1,
      raw: '',
      quote: 'none',
    };
  }

  override onattribdata(start: number, endIndex: number): void {
    super.onattribdata(start, endIndex);
    const a = this.attribute;
    if (!a) return;
    if (a.valueStart < 0) a.valueStart = start;
    a.raw = this.source.slice(a.valueStart, endIndex);
  }

  override onattribend(quote: QuoteType, endIndex: number): void {
    const a = this.attribute;
    if (a) {
      a.quote =
        quote === QuoteType.Double
          ? 'double'
          : quote === QuoteType.Single
            ? 'single'
            : quote === QuoteType.Unquoted
              ? 'unquoted'
              : 'none';
      this.attributes.push(a);
      this.attribute = null;
    }
    super.onattribend(quote, endIndex);
  }
}

/**
 * Removes from e-mail HTML everything that can run script: `<script>` and other embedding
 * elements, `on…` event-handler attributes, `javascript:`/`vbscript:`/`data:` (other than raster
 * images) URLs, merge tags in element or attribute names, and merge tags that would build a URL's
 * scheme per recipient. `<form>` and `<base>` are unwrapped. Everything else is kept byte for byte
 * where it is already in a form every browser reads the same way (MJML's output is): conditional
 * comments, `<style>`, tables, inline styles, merge tags in text and attribute values.
 *
 * It is a writer over htmlparser2's tokens, not a filter over the text: each start tag is either
 * copied when it is in that strict form or written anew from its checked attributes; text can
 * never open a tag (`<` becomes `&lt;`, in `<style>` `\3c `); comments are written as
 * `<!--…-->` and dropped when a browser would end them elsewhere. A merge tag can only sit inside
 * one text, attribute value or comment, so merging per recipient cannot join pieces into markup.
 * With `xmlMode` (MJML source) it is used for its findings only.
 */
export function sanitizeHtml(source: string, options: { xmlMode?: boolean } = {}): SanitizedHtml {
  const unsafe: UnsafeHtml[] = [];
  const html = sanitizeFragment(source, 0, {
    xmlMode: options.xmlMode ?? false,
    setNames: mergeSetNames(source),
    unsafe,
    lastClose: source.lastIndexOf(']]'),
  });
  return { html, unsafe };
}

interface SanitizeContext {
  xmlMode: boolean;
  /** Names given by [[SET:…]], [[INC:…]], [[DEC:…]] anywhere: their values are the template's, not a recipient's. */
  setNames: ReadonlySet<string>;
  unsafe: UnsafeHtml[];
  /** Where the document's last `]]` is: a `[[` before it is split across markup, one after it never closed. */
  lastClose: number;
}

function sanitizeFragment(source: string, base: number, ctx: SanitizeContext): string {
  const parser = new TokenizingParser(source, ctx.xmlMode);
  parser.end(source);
  const out: string[] = [];
  const found = (u: UnsafeHtml): void => {
    ctx.unsafe.push({ ...u, offset: u.offset + base });
  };
  // open elements: whether their end tag is written
  const stack: Array<{ name: string; write: boolean }> = [];
  let dropDepth = 0;
  let noscript = 0;
  // Text is written in runs: everything between two written tokens, also across removed elements,
  // because that is what the merge parser will read as one piece of text
  let run = '';
  // where each piece of the run starts, in the run and in the source
  let pieces: Array<{ at: number; start: number }> = [];
  let runStyle = false;
  const sourceOffset = (k: number): number => {
    // the last piece starting at or before k (binary search: a run may have many pieces)
    let lo = 0;
    let hi = pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((pieces[mid]?.at ?? 0) <= k) lo = mid;
      else hi = mid - 1;
    }
    const p = pieces[lo] ?? { at: 0, start: 0 };
    return p.start + (k - p.at);
  };
  const flush = (): void => {
    if (run === '') return;
    out.push(
      rewriteOutsideMergeTags(
        run,
        runStyle ? '\\5b \\5b ' : '&#91;&#91;',
        // in <style> an escaped `<` is still `<` to CSS; `<!--` is a no-op to CSS and dropped
        runStyle
          ? (x) => x.replaceAll('<!--', '').replaceAll('<', '\\3c ')
          : (x) => x.replaceAll('<', '&lt;'),
        (k) => {
          const offset = sourceOffset(k);
          if (offset + base < ctx.lastClose)
            found({ code: 'MERGE_TAG_IN_MARKUP', offset, element: stack[stack.length - 1]?.name ?? '' });
        },
      ),
    );
    run = '';
    pieces = [];
  };
  const emit = (written: string): void => {
    flush();
    out.push(written);
  };

  for (const t of parser.tokens) {
    if (t.kind === 'open') {
      if (dropDepth > 0) {
        dropDepth += 1;
        continue;
      }
      const name = t.name.toLowerCase();
      if (dropWithContent.has(name)) {
        if (!t.implied)
          found({
            code: name === 'script' ? 'SCRIPT_NOT_ALLOWED' : 'ELEMENT_NOT_ALLOWED',
            offset: t.start,
            element: name,
          });
        dropDepth = 1;
        continue;
      }
      if (t.implied) {
        // opened by the parser, not written (`</p>` alone): the end tag as written is kept
        stack.push({ name, write: true });
        continue;
      }
      if (!tagNameRe.test(name)) {
        if (/[[\]]/.test(name)) found({ code: 'MERGE_TAG_IN_MARKUP', offset: t.start, element: name });
        stack.push({ name, write: false });
        continue;
      }
      if (unwrapped.has(name) || (name === 'meta' && isRefresh(t.attributes))) {
        found({ code: 'ELEMENT_NOT_ALLOWED', offset: t.start, element: name });
        stack.push({ name, write: false });
        continue;
      }
      emit(writeStartTag(source, base, t, name, ctx, found));
      stack.push({ name, write: true });
      if (name === 'noscript') noscript += 1;
      continue;
    }
    if (t.kind === 'close') {
      if (t.stray) {
        // an end tag with nothing open: harmless to a browser, and MJML's Outlook comments are full of them
        if (dropDepth === 0 && tagNameRe.test(t.name) && !dropWithContent.has(t.name))
          emit(writeEndTag(source, t.start, t.end, t.name));
        continue;
      }
      if (dropDepth > 0) {
        dropDepth -= 1;
        continue;
      }
      const open = stack.pop();
      if (open?.name === 'noscript' && open.write) noscript -= 1;
      if (open?.write && !t.implied) emit(writeEndTag(source, t.start, t.end, t.name));
      continue;
    }
    if (dropDepth > 0) continue;
    if (t.kind === 'text') {
      const style = stack[stack.length - 1]?.name === 'style';
      if (style !== runStyle) flush();
      runStyle = style;
      pieces.push({ at: run.length, start: t.start });
      run += t.text;
      continue;
    }
    if (t.kind === 'comment') {
      const comment = sanitizeComment(t.data, t.start, noscript > 0, ctx, found, base);
      if (comment !== null) emit(comment);
      continue;
    }
    // a doctype: ends at the first `>` for both
    if (!t.data.includes('[[') && !t.data.includes(']]')) emit(`<${t.data}>`);
  }
  flush();
  return out.join('');
}

function isRefresh(attributes: readonly TokenAttribute[]): boolean {
  return attributes.some(
    (a) =>
      a.name === 'http-equiv' && ['refresh', 'set-cookie'].includes(decodeHTML(a.raw).trim().toLowerCase()),
  );
}

function writeStartTag(
  source: string,
  base: number,
  t: Extract<Token, { kind: 'open' }>,
  name: string,
  ctx: SanitizeContext,
  found: (u: UnsafeHtml) => void,
): string {
  let changed = false;
  const kept: Array<{ name: string; value: string | null }> = [];
  for (const a of t.attributes) {
    if (!attributeNameRe.test(a.name)) {
      if (/[[\]]/.test(a.name))
        found({ code: 'MERGE_TAG_IN_MARKUP', offset: a.nameStart, element: name, attribute: a.name });
      else if (a.name.startsWith('on'))
        found({ code: 'EVENT_HANDLER_NOT_ALLOWED', offset: a.nameStart, element: name, attribute: a.name });
      changed = true;
      continue;
    }
    if (a.name.startsWith('on')) {
      found({ code: 'EVENT_HANDLER_NOT_ALLOWED', offset: a.nameStart, element: name, attribute: a.name });
      changed = true;
      continue;
    }
    let raw = a.raw;
    if (a.quote !== 'none' && (urlAttributes.has(a.name) || /-(src|url|href)$/.test(a.name))) {
      const verdict = urlVerdict(raw, ctx.setNames);
      if (verdict !== 'ok') {
        found({
          code: verdict === 'script' ? 'JAVASCRIPT_URL_NOT_ALLOWED' : 'MERGE_TAG_BEFORE_URL_SCHEME',
          offset: a.valueStart >= 0 ? a.valueStart : a.nameStart,
          element: name,
          attribute: a.name,
          url: decodeHTML(raw).trim(),
        });
        changed = true;
        // a link keeps its element (and its text) but goes nowhere; anything else loses the attribute
        if (!linkAttributes.has(a.name)) continue;
        raw = '#';
      }
    }
    // `</` inside a value would end a raw-text element (<noscript>) early in a browser that reads it as text
    const value = rewriteOutsideMergeTags(
      raw,
      '&#91;&#91;',
      (x) => x.replaceAll('</', '&lt;/'),
      (k) => {
        if (a.valueStart + k + base < ctx.lastClose)
          found({ code: 'MERGE_TAG_IN_MARKUP', offset: a.valueStart + k, element: name, attribute: a.name });
      },
    );
    if (value !== a.raw) changed = true;
    kept.push({ name: a.name, value: a.quote === 'none' ? null : value });
  }
  if (!changed && isStrictStartTag(source, t)) return source.slice(t.start, t.end + 1);
  let tag = `<${name}`;
  for (const a of kept) tag += a.value === null ? ` ${a.name}` : ` ${a.name}=${quoteAttribute(a.value)}`;
  return `${tag}${t.selfClosing ? ' />' : '>'}`;
}

function quoteAttribute(value: string): string {
  if (!value.includes('"')) return `"${value}"`;
  // a merge tag's quotes (`[[IF:x="1"]]`) must stay quotes: single-quote the value when that is enough
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replaceAll('"', '&quot;')}"`;
}

const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

/**
 * A start tag written as `<name attr="value" flag …>` (double quotes, whitespace between
 * attributes, an optional `/` at the end): every browser reads it exactly as htmlparser2 did, so
 * it may be copied byte for byte.
 */
function isStrictStartTag(source: string, t: Extract<Token, { kind: 'open' }>): boolean {
  let i = t.start;
  if (source[i] !== '<') return false;
  i += 1;
  if (source.slice(i, i + t.name.length).toLowerCase() !== t.name.toLowerCase()) return false;
  i += t.name.length;
  for (const a of t.attributes) {
    const before = i;
    while (isSpace(source[i])) i += 1;
    if (i === before || i !== a.nameStart) return false;
    i = a.nameEnd;
    if (a.quote === 'none') continue;
    if (a.quote !== 'double' || source[i] !== '=' || source[i + 1] !== '"') return false;
    i += 2;
    if (a.valueStart >= 0 && a.valueStart !== i) return false;
    i += a.raw.length;
    if (source[i] !== '"') return false;
    i += 1;
  }
  while (isSpace(source[i])) i += 1;
  if (t.selfClosing && source[i] === '/') i += 1;
  return i === t.end && source[i] === '>';
}

function writeEndTag(source: string, start: number, end: number, name: string): string {
  const written = source.slice(start, end + 1);
  const m = /^<\/([^\s>]+)\s*>$/.exec(written);
  return m && m[1]?.toLowerCase() === name.toLowerCase() ? written : `</${name}>`;
}

const conditionalStart = /^\[if\b[^\]]*\]>/i;
const conditionalEnd = /<!\[endif\]$/i;

/**
 * A comment as `<!--data-->`, or null when a browser could end it before the parser did
 * (`--!>` or `-->` in a CDATA section turned comment, a leading `>`, a merge tag followed by `>`),
 * or when it is inside `<noscript>` and holds markup (raw text to a browser with script on). The
 * inside of an Outlook conditional comment (`<!--[if mso]>…<![endif]-->`) is HTML to Outlook and
 * sanitised like the rest.
 */
function sanitizeComment(
  data: string,
  start: number,
  inNoscript: boolean,
  ctx: SanitizeContext,
  found: (u: UnsafeHtml) => void,
  base: number,
): string | null {
  let text = data;
  const head = conditionalStart.exec(data);
  // `<!--[if !mso]><!-->` opens content every client shows: there is nothing inside it
  if (head && data !== `${head[0]}<!`) {
    const tail = conditionalEnd.exec(data)?.[0] ?? '';
    const inner = data.slice(head[0].length, data.length - tail.length);
    const clean = sanitizeFragment(inner, base + start + head[0].length, { ...ctx, xmlMode: false });
    if (clean !== inner) text = `${head[0]}${clean}${tail}`;
  }
  text = rewriteOutsideMergeTags(text, '&#91;&#91;', unchanged, () => undefined);
  const unsafeEnd =
    text.includes('-->') ||
    text.includes('--!>') ||
    text.startsWith('>') ||
    text.startsWith('->') ||
    (inNoscript && text.includes('<')) ||
    mergeTags(text).some((m) => /^[-!]*>/.test(text.slice(m.end)));
  if (unsafeEnd) {
    found({ code: 'COMMENT_NOT_ALLOWED', offset: start, element: '!--' });
    return null;
  }
  return `<!--${text}-->`;
}

type MergeSegment = { kind: 'text' | 'tag' | 'literal' | 'unclosed'; start: number; end: number };

/**
 * A text cut as the merge parser reads it: a tag runs from `[[` to the first `]]`, unless another
 * `[[` comes first (then the first `[[` is literal text); a `[[` with no `]]` after it is unclosed.
 * Linear: the `]]` found is kept while it is still ahead, so a text of many `[[` is not rescanned.
 */
function mergeSegments(text: string): MergeSegment[] {
  const segments: MergeSegment[] = [];
  let i = 0;
  let close = -2;
  for (;;) {
    const open = text.indexOf('[[', i);
    if (open < 0) {
      if (i < text.length) segments.push({ kind: 'text', start: i, end: text.length });
      return segments;
    }
    if (open > i) segments.push({ kind: 'text', start: i, end: open });
    if (close !== -1 && close < open + 2) close = text.indexOf(']]', open + 2);
    const next = text.indexOf('[[', open + 2);
    if (close >= 0 && (next < 0 || next > close)) {
      segments.push({ kind: 'tag', start: open, end: close + 2 });
      i = close + 2;
    } else {
      segments.push({ kind: close >= 0 ? 'literal' : 'unclosed', start: open, end: open + 2 });
      i = open + 2;
    }
  }
}

/** The merge tags of a text, with what is between their brackets. */
function mergeTags(text: string): Array<{ start: number; end: number; inner: string }> {
  return mergeSegments(text)
    .filter((m) => m.kind === 'tag')
    .map((m) => ({ start: m.start, end: m.end, inner: text.slice(m.start + 2, m.end - 2) }));
}

/**
 * Rewrites the text outside merge tags with `outside`, leaving each tag (`[[IF:x<>"a"]]`) as the
 * merge parser must read it, and replaces each `[[` that is not closed within this text by
 * `escaped`: otherwise the merge parser, which reads the whole document, could close it in a later
 * attribute or text and drop the markup between (`<a href="[[SET:x=" title="]]javascript:…">`).
 */
function rewriteOutsideMergeTags(
  text: string,
  escaped: string,
  outside: (text: string) => string,
  onSplit: (offset: number) => void,
): string {
  let out = '';
  let pending = '';
  for (const m of mergeSegments(text)) {
    const piece = text.slice(m.start, m.end);
    if (m.kind === 'text') {
      pending += piece;
      continue;
    }
    out += outside(pending);
    pending = '';
    if (m.kind === 'unclosed') {
      onSplit(m.start);
      out += escaped;
    } else out += piece;
  }
  return out + outside(pending);
}

const unchanged = (text: string): string => text;

function mergeSetNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const tag of mergeTags(source)) {
    const colon = tag.inner.indexOf(':');
    if (colon < 0) continue;
    const keyword = tag.inner.slice(0, colon).trim().toUpperCase();
    const args = tag.inner.slice(colon + 1);
    if (keyword === 'SET')
      names.add(
        args
          .slice(0, Math.max(0, args.indexOf('=')))
          .trim()
          .toLowerCase(),
      );
    else if (keyword === 'INC' || keyword === 'DEC') names.add(args.trim().toLowerCase());
  }
  return names;
}

/** A merge tag whose value is the recipient's (or Posthorn's tracked link), never text of the template. */
function isRecipientValue(inner: string, setNames: ReadonlySet<string>): boolean {
  const name = inner.trim();
  if (name.startsWith('#link:')) return true;
  return (
    mergeNameRe.test(name) && !mergeKeywords.has(name.toUpperCase()) && !setNames.has(name.toLowerCase())
  );
}

/**
 * Whether an attribute's URL is safe: `script` for a `javascript:`-like or non-image `data:` URL
 * (also hidden by entities, tabs, line breaks, leading control characters or case, and also once
 * merge tags are merged away), `merge` when a template-controlled merge tag ([[IF…]], [[DECODE…]],
 * a SET variable) comes before the scheme is written out, so the scheme could differ per recipient.
 */
function urlVerdict(raw: string, setNames: ReadonlySet<string> = new Set()): 'ok' | 'script' | 'merge' {
  const tags = mergeTags(raw);
  let withoutTags = raw;
  if (tags.length > 0) {
    let prefix = '';
    let at = 0;
    for (const tag of tags) {
      prefix += raw.slice(at, tag.start);
      at = tag.end;
      // once `:`, `/`, `?` or `#` is written out, the scheme (or its absence) is decided
      if (/[:/?#]/.test(decodeHTML(prefix))) break;
      if (!isRecipientValue(tag.inner, setNames)) return 'merge';
    }
    withoutTags = '';
    at = 0;
    for (const tag of tags) {
      withoutTags += raw.slice(at, tag.start);
      at = tag.end;
    }
    withoutTags += raw.slice(at);
  }
  for (const candidate of [raw, withoutTags])
    if (isScriptUrl(decodeHTML(candidate)) || isScriptUrl(decodeHTMLAttribute(candidate))) return 'script';
  return 'ok';
}

/** As the URL parser reads it: tabs and line breaks anywhere and leading controls and spaces do not count. */
function isScriptUrl(url: string): boolean {
  const stripped = url.replace(/[\t\n\r]/g, '');
  let from = 0;
  while (from < stripped.length && stripped.charCodeAt(from) <= 0x20) from += 1;
  const clean = stripped.slice(from);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(clean)?.[1]?.toLowerCase();
  if (scheme === undefined) return false;
  if (scriptSchemes.has(scheme)) return true;
  return scheme === 'data' && !/^data:image\/(png|gif|jpe?g|webp|bmp)[;,]/i.test(clean);
}
