import type { Condition, MergeNode, Operand } from './parse.js';

/**
 * Where rendered text goes, which decides how recipient values are made safe:
 * - `html`: values are HTML-escaped (no recipient value can add markup);
 * - `text`: plain-text part, SMS, letters: values verbatim, never escaped;
 * - `header`: a header value (subject): line breaks become spaces, so no value can start a header line.
 */
export type MergeMode = 'html' | 'text' | 'header';

/** A recipient's values, keyed by lower-cased tag name (`customer.firstname`). Missing → empty. */
export type MergeValues = Readonly<Record<string, string | null | undefined>>;

export interface RenderContext {
  /** The tracked URL of link `n` for this recipient (the compiled content marks where it goes). */
  linkUrl?: ((n: number) => string) | undefined;
  /**
   * The recipient's tracked-link prefix: link `n` is `linkPrefix + n`. Cheaper than `linkUrl`
   * (one string per recipient instead of one per link); used when set.
   */
  linkPrefix?: string | undefined;
  inEmailClient?: boolean | undefined;
  isWebPage?: boolean | undefined;
  /** "Today" for FORMAT-DATE:"today" (epoch ms); the caller's clock. */
  now?: number | undefined;
}

/** A compiled template: render it once per recipient. Rendering never throws. */
export interface MergeProgram {
  render(values: MergeValues, context?: RenderContext): string;
  /**
   * Renders straight to UTF-8 bytes in `scratch` (grown when too small; the buffer actually used
   * is returned): static text is encoded once at compile time and only copied per recipient,
   * so a large message costs one memory copy instead of a string rope that must be flattened.
   * The bytes are valid until the next call with the same scratch buffer.
   */
  renderBytes(
    values: MergeValues,
    context: RenderContext | undefined,
    scratch: Buffer,
  ): { buffer: Buffer; length: number };
  /** The link numbers the template contains, in order of appearance. */
  readonly links: readonly number[];
}

interface State {
  values: MergeValues;
  context: RenderContext;
  vars: Map<string, string> | null;
}

type Part = string | ((s: State) => string);

/**
 * HTML-escapes text for element content and quoted attribute values (`& < > " '`). A character
 * scan rather than a regular expression: it runs for every value of every recipient.
 */
export function escapeHtml(value: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < value.length; i++) {
    let entity: string;
    switch (value.charCodeAt(i)) {
      case 38:
        entity = '&amp;';
        break;
      case 60:
        entity = '&lt;';
        break;
      case 62:
        entity = '&gt;';
        break;
      case 34:
        entity = '&quot;';
        break;
      case 39:
        entity = '&#39;';
        break;
      default:
        continue;
    }
    out += value.slice(last, i) + entity;
    last = i + 1;
  }
  return last === 0 ? value : out + value.slice(last);
}

const lineBreakRe = /[\r\n\u0085\u2028\u2029\0]+/g;
function headerSafe(value: string): string {
  return value.replace(lineBreakRe, ' ');
}

/** Compiles a parsed tree once; the result renders per recipient with only lookups and concatenation. */
export function compileMerge(nodes: MergeNode[], mode: MergeMode): MergeProgram {
  const usesVars = hasVars(nodes);
  const links: number[] = [];
  const safe = mode === 'html' ? escapeHtml : mode === 'header' ? headerSafe : (v: string) => v;
  const parts = compileList(nodes, safe, links);
  const render = partsRenderer(parts);
  const byteParts = byteProgram(nodes, parts, safe);
  return {
    links,
    render(values, context = {}) {
      return render({ values, context, vars: usesVars ? new Map() : null });
    },
    renderBytes(values, context, scratch) {
      const state: State = { values, context: context ?? {}, vars: usesVars ? new Map() : null };
      // the link prefix is escaped once per recipient, not once per link
      const prefix = state.context.linkPrefix;
      const safePrefix = prefix === undefined ? undefined : safe(prefix);
      let buffer = scratch;
      let length = 0;
      for (let k = 0; k < byteParts.length; k++) {
        const p = byteParts[k] as BytePart;
        let text: string;
        switch (p.kind) {
          case 'static':
            if (length + p.bytes.length > buffer.length)
              buffer = grow(buffer, length, length + p.bytes.length);
            buffer.set(p.bytes, length);
            length += p.bytes.length;
            continue;
          case 'var': {
            const v = state.vars?.get(p.name) ?? values[p.name];
            text = safe(typeof v === 'string' ? v : v == null ? '' : String(v));
            break;
          }
          case 'link':
            if (safePrefix !== undefined) {
              // prefix and number written separately: no per-link string
              const room = safePrefix.length * 3 + p.number.length;
              if (length + room > buffer.length) buffer = grow(buffer, length, length + room);
              length = writeUtf8(buffer, safePrefix, length);
              buffer.set(p.number, length);
              length += p.number.length;
              continue;
            }
            text = safe(state.context.linkUrl ? state.context.linkUrl(p.n) : '');
            break;
          default:
            text = p.fn(state);
        }
        // at most 3 bytes per UTF-16 unit
        if (length + text.length * 3 > buffer.length) buffer = grow(buffer, length, length + text.length * 3);
        length = writeUtf8(buffer, text, length);
      }
      return { buffer, length };
    },
  };
}

type BytePart =
  | { kind: 'static'; bytes: Buffer }
  | { kind: 'var'; name: string }
  | { kind: 'link'; n: number; number: Buffer }
  | { kind: 'fn'; fn: (s: State) => string };

/**
 * The top level of a template as typed parts: static text pre-encoded, plain variables and links
 * handled inline by `renderBytes` (no closure call per value), everything else compiled.
 */
function byteProgram(nodes: MergeNode[], parts: Part[], safe: (v: string) => string): BytePart[] {
  const flags = new Set(['inemailclient', 'iswebpage']);
  const out: BytePart[] = [];
  const push = (p: BytePart): void => {
    const last = out[out.length - 1];
    if (p.kind === 'static' && last?.kind === 'static') last.bytes = Buffer.concat([last.bytes, p.bytes]);
    else out.push(p);
  };
  for (const node of nodes) {
    if (node.type === 'text') push({ kind: 'static', bytes: Buffer.from(node.value, 'utf8') });
    else if (node.type === 'var' && !flags.has(node.name)) push({ kind: 'var', name: node.name });
    else if (node.type === 'link') push({ kind: 'link', n: node.n, number: Buffer.from(String(node.n)) });
    else {
      const compiled = compileNode(node, safe, []);
      push(
        typeof compiled === 'string'
          ? { kind: 'static', bytes: Buffer.from(compiled, 'utf8') }
          : { kind: 'fn', fn: compiled },
      );
    }
  }
  void parts;
  return out;
}

/** Writes text at `offset` and returns the new end. Short ASCII values (most merge values) skip the native call. */
function writeUtf8(buffer: Buffer, text: string, offset: number): number {
  if (text.length <= 128) {
    let i = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buffer[offset + i] = c;
    }
    if (i === text.length) return offset + i;
    return offset + i + buffer.write(text.slice(i), offset + i, 'utf8');
  }
  return offset + buffer.write(text, offset, 'utf8');
}

function grow(buffer: Buffer, used: number, needed: number): Buffer {
  const next = Buffer.allocUnsafe(Math.max(needed, buffer.length * 2, 1024));
  buffer.copy(next, 0, 0, used);
  return next;
}

function partsRenderer(parts: Part[]): (s: State) => string {
  if (parts.length === 0) return () => '';
  if (parts.length === 1) {
    const only = parts[0] as Part;
    return typeof only === 'string' ? () => only : only;
  }
  return (s) => {
    let out = '';
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k] as Part;
      out += typeof p === 'string' ? p : p(s);
    }
    return out;
  };
}

function compileList(nodes: MergeNode[], safe: (v: string) => string, links: number[]): Part[] {
  const parts: Part[] = [];
  for (const node of nodes) {
    const part = compileNode(node, safe, links);
    if (typeof part === 'string' && typeof parts[parts.length - 1] === 'string') {
      parts[parts.length - 1] += part;
    } else parts.push(part);
  }
  return parts;
}

function compileNode(node: MergeNode, safe: (v: string) => string, links: number[]): Part {
  switch (node.type) {
    case 'text':
      return node.value;
    case 'var': {
      const get = getter(node.name);
      return (s) => safe(get(s));
    }
    case 'link': {
      links.push(node.n);
      const n = node.n;
      return (s) =>
        safe(
          s.context.linkPrefix !== undefined
            ? s.context.linkPrefix + n
            : s.context.linkUrl
              ? s.context.linkUrl(n)
              : '',
        );
    }
    case 'if': {
      const branches = node.branches.map((b) => ({
        test: condition(b.condition),
        body: partsRenderer(compileList(b.body, safe, links)),
      }));
      const otherwise = node.otherwise ? partsRenderer(compileList(node.otherwise, safe, links)) : () => '';
      return (s) => {
        for (const b of branches) if (b.test(s)) return b.body(s);
        return otherwise(s);
      };
    }
    case 'decode': {
      const subject = operand(node.subject);
      const pairs = node.pairs.map(([v, r]) => [operand(v), operand(r)] as const);
      const fallback = node.fallback ? operand(node.fallback) : () => '';
      return (s) => {
        const value = subject(s);
        for (const [v, r] of pairs) if (v(s) === value) return safe(r(s));
        return safe(fallback(s));
      };
    }
    case 'set': {
      const value = operand(node.value);
      const name = node.name;
      return (s) => {
        s.vars?.set(name, value(s));
        return '';
      };
    }
    case 'inc':
    case 'dec': {
      const name = node.name;
      const step = node.type === 'inc' ? 1 : -1;
      const get = getter(name);
      return (s) => {
        const n = Number(get(s));
        s.vars?.set(name, String((Number.isFinite(n) ? n : 0) + step));
        return '';
      };
    }
    case 'formatDate': {
      const date = operand(node.date);
      const format = operand(node.format);
      return (s) => safe(formatDate(date(s), format(s), s.context.now));
    }
    case 'secToTime': {
      const seconds = operand(node.seconds);
      const format = operand(node.format);
      return (s) => safe(secToTime(seconds(s), format(s)));
    }
  }
}

function getter(name: string): (s: State) => string {
  if (name === 'inemailclient') return (s) => (s.context.inEmailClient ? '1' : '0');
  if (name === 'iswebpage') return (s) => (s.context.isWebPage ? '1' : '0');
  return (s) => {
    const local = s.vars?.get(name);
    if (local !== undefined) return local;
    const v = s.values[name];
    return typeof v === 'string' ? v : v == null ? '' : String(v);
  };
}

function operand(op: Operand): (s: State) => string {
  if (op.kind === 'literal') {
    const value = op.value;
    return () => value;
  }
  return getter(op.name);
}

function condition(c: Condition): (s: State) => boolean {
  const left = operand(c.left);
  if (c.op === 'truthy') {
    return (s) => {
      const v = left(s);
      return v !== '' && v !== '0';
    };
  }
  const right = c.right ? operand(c.right) : () => '';
  // SuperOffice compares case-insensitively
  if (c.op === '=') return (s) => left(s).toLowerCase() === right(s).toLowerCase();
  return (s) => left(s).toLowerCase() !== right(s).toLowerCase();
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * FORMAT-DATE: the value is an ISO date (`2026-11-26`, with or without time), epoch milliseconds,
 * or `today`/`now`. Format tokens: YY4 YY2 MM2 MM DD2 DD HH2 MI2 SS2 (UTC). An unreadable date
 * renders empty.
 */
export function formatDate(value: string, format: string, now?: number): string {
  const v = value.trim();
  let ms: number;
  if (v === '') return '';
  if (/^(today|now)$/i.test(v)) ms = now ?? Date.now();
  else if (/^-?\d{9,}$/.test(v)) ms = Number(v);
  else ms = Date.parse(v);
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  const year = d.getUTCFullYear();
  const tokens: Record<string, string> = {
    YY4: String(year).padStart(4, '0'),
    YY2: pad2(year % 100),
    MM2: pad2(d.getUTCMonth() + 1),
    MM: String(d.getUTCMonth() + 1),
    DD2: pad2(d.getUTCDate()),
    DD: String(d.getUTCDate()),
    HH2: pad2(d.getUTCHours()),
    MI2: pad2(d.getUTCMinutes()),
    SS2: pad2(d.getUTCSeconds()),
  };
  return format.replace(/YY4|YY2|MM2|MI2|SS2|HH2|DD2|MM|DD/g, (t) => tokens[t] ?? t);
}

/**
 * SEC-TO-TIME: seconds formatted with `h` (hours), `m` (minutes), `s` (seconds); doubled letters
 * pad to two digits. The largest unit in the format takes the whole rest (no `h` → minutes can
 * exceed 59). A value that is not a number renders empty.
 */
export function secToTime(value: string, format: string): string {
  const total = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(total)) return '';
  const negative = total < 0;
  let rest = Math.floor(Math.abs(total));
  const hasH = /h/.test(format);
  const hasM = /m/.test(format);
  const h = hasH ? Math.floor(rest / 3600) : 0;
  rest -= h * 3600;
  const m = hasM ? Math.floor(rest / 60) : 0;
  rest -= m * 60;
  const out = format.replace(/hh|mm|ss|h|m|s/g, (t) => {
    const n = t[0] === 'h' ? h : t[0] === 'm' ? m : rest;
    return t.length === 2 ? pad2(n) : String(n);
  });
  return negative ? `-${out}` : out;
}

function hasVars(nodes: MergeNode[]): boolean {
  const stack: MergeNode[][] = [nodes];
  while (stack.length > 0) {
    for (const n of stack.pop() ?? []) {
      if (n.type === 'set' || n.type === 'inc' || n.type === 'dec') return true;
      if (n.type === 'if') {
        for (const b of n.branches) stack.push(b.body);
        if (n.otherwise) stack.push(n.otherwise);
      }
    }
  }
  return false;
}
