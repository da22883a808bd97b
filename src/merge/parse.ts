/**
 * The merge language (PRODUCT.md §6), SuperOffice-compatible: `[[customer.firstname]]`,
 * `[[IF:expr="value"]]…[[ELSEIF:…]]…[[ELSE]]…[[ENDIF]]`, `[[DECODE:…]]`, `[[SET:…]]`, `[[INC:…]]`,
 * `[[DEC:…]]`, `[[FORMAT-DATE:…]]`, `[[SEC-TO-TIME:…]]`.
 *
 * The parser is iterative (an explicit stack, no recursion), so deeply nested input cannot
 * overflow the call stack; nesting deeper than {@link maxNesting} is an error. It never throws on
 * user input: every problem becomes a {@link MergeError} with line and column, and parsing goes on
 * so one pass reports them all.
 */

/** An operand: a variable (catalogue field, SET variable or flag) or a quoted literal. */
export type Operand = { kind: 'var'; name: string } | { kind: 'literal'; value: string };

export interface Condition {
  left: Operand;
  /** `truthy`: `[[IF:expr]]` holds when the value is not empty and not "0". */
  op: '=' | '!=' | 'truthy';
  right: Operand | null;
}

export type MergeNode =
  | { type: 'text'; value: string }
  | { type: 'var'; name: string; line: number; column: number }
  | {
      type: 'if';
      branches: Array<{ condition: Condition; body: MergeNode[] }>;
      otherwise: MergeNode[] | null;
    }
  | { type: 'decode'; subject: Operand; pairs: Array<[Operand, Operand]>; fallback: Operand | null }
  | { type: 'set'; name: string; value: Operand }
  | { type: 'inc' | 'dec'; name: string }
  | { type: 'formatDate'; date: Operand; format: Operand }
  | { type: 'secToTime'; seconds: Operand; format: Operand }
  /** Internal: where a recipient's tracked URL for link `n` goes (never accepted from users). */
  | { type: 'link'; n: number };

export interface MergeError {
  code: string;
  message: string;
  line: number;
  column: number;
}

export interface ParseOptions {
  /** Whether a variable name is in the catalogue (custom fields included). Names are compared lower-cased. */
  isKnown(name: string): boolean;
  /** Accept the internal `[[#link:n]]` marker (content compiled by Posthorn itself). */
  internal?: boolean | undefined;
}

export interface ParseResult {
  nodes: MergeNode[];
  errors: MergeError[];
}

export const maxNesting = 64;
const maxErrors = 100;

const nameRe = /^[A-Za-z_][\w.-]*$/;
const flagNames = new Set(['inemailclient', 'iswebpage']);

interface Frame {
  /** Where the current branch's nodes go. */
  body: MergeNode[];
  node: Extract<MergeNode, { type: 'if' }>;
  line: number;
  column: number;
  sawElse: boolean;
}

/** Parses a template to a tree. Never throws for any input string. */
export function parseMerge(source: string, options: ParseOptions): ParseResult {
  const errors: MergeError[] = [];
  const root: MergeNode[] = [];
  const stack: Frame[] = [];
  let out = root;
  // SET variables are known everywhere in the template, wherever they are set
  const setNames = collectSetNames(source);
  const known = (name: string): boolean => {
    const key = name.toLowerCase();
    return options.isKnown(key) || setNames.has(key) || flagNames.has(key);
  };
  const lines = lineStarts(source);
  const pos = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lines[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lines[lo] ?? 0) + 1 };
  };
  const fail = (code: string, message: string, offset: number): void => {
    if (errors.length < maxErrors) errors.push({ code, message, ...pos(offset) });
  };

  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('[[', i);
    if (open < 0) {
      pushText(out, source.slice(i));
      break;
    }
    if (open > i) pushText(out, source.slice(i, open));
    const close = source.indexOf(']]', open + 2);
    const nextOpen = source.indexOf('[[', open + 2);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      fail('MERGE_UNCLOSED_TAG', 'a tag opened with [[ is not closed with ]]', open);
      pushText(out, '[[');
      i = open + 2;
      continue;
    }
    const inner = source.slice(open + 2, close).trim();
    i = close + 2;
    const at = pos(open);
    const colon = inner.indexOf(':');
    const keyword = (colon >= 0 ? inner.slice(0, colon) : inner).trim().toUpperCase();
    const args = colon >= 0 ? inner.slice(colon + 1).trim() : '';

    switch (keyword) {
      case 'IF': {
        if (stack.length >= maxNesting) {
          fail('MERGE_NESTING_TOO_DEEP', `IF blocks nest deeper than ${maxNesting} levels`, open);
          // skip the rest: the structure can no longer be trusted
          return { nodes: root, errors };
        }
        const condition = parseCondition(args, known, (c, m) => fail(c, m, open));
        const node: Extract<MergeNode, { type: 'if' }> = {
          type: 'if',
          branches: [{ condition, body: [] }],
          otherwise: null,
        };
        out.push(node);
        stack.push({ body: out, node, ...at, sawElse: false });
        out = node.branches[0]?.body ?? [];
        break;
      }
      case 'ELSEIF': {
        const frame = stack[stack.length - 1];
        if (!frame) {
          fail('MERGE_UNEXPECTED_ELSEIF', 'ELSEIF without an open IF', open);
          break;
        }
        if (frame.sawElse) fail('MERGE_ELSEIF_AFTER_ELSE', 'ELSEIF after ELSE in the same IF', open);
        const condition = parseCondition(args, known, (c, m) => fail(c, m, open));
        const branch = { condition, body: [] as MergeNode[] };
        frame.node.branches.push(branch);
        out = branch.body;
        break;
      }
      case 'ELSE': {
        const frame = stack[stack.length - 1];
        if (!frame) {
          fail('MERGE_UNEXPECTED_ELSE', 'ELSE without an open IF', open);
          break;
        }
        if (frame.sawElse) fail('MERGE_DUPLICATE_ELSE', 'a second ELSE in the same IF', open);
        frame.sawElse = true;
        frame.node.otherwise = [];
        out = frame.node.otherwise;
        break;
      }
      case 'ENDIF': {
        const frame = stack.pop();
        if (!frame) {
          fail('MERGE_UNEXPECTED_ENDIF', 'ENDIF without an open IF', open);
          break;
        }
        out = frame.body;
        break;
      }
      case 'DECODE': {
        const list = splitArgs(args);
        if (!list || list.length < 3) {
          fail(
            'MERGE_BAD_ARGUMENTS',
            'DECODE needs an expression, then value/result pairs, then an optional default',
            open,
          );
          break;
        }
        const ops = list.map((a) => parseOperand(a, known, (c, m) => fail(c, m, open)));
        const [subject, ...rest] = ops;
        const pairs: Array<[Operand, Operand]> = [];
        for (let k = 0; k + 1 < rest.length; k += 2) pairs.push([rest[k] as Operand, rest[k + 1] as Operand]);
        const fallback = rest.length % 2 === 1 ? (rest[rest.length - 1] ?? null) : null;
        out.push({ type: 'decode', subject: subject as Operand, pairs, fallback });
        break;
      }
      case 'SET': {
        const eq = args.indexOf('=');
        const name = eq >= 0 ? args.slice(0, eq).trim() : '';
        const value = eq >= 0 ? parseLiteralOrVar(args.slice(eq + 1).trim(), known) : null;
        if (!nameRe.test(name) || !value) {
          fail('MERGE_BAD_ARGUMENTS', 'SET is written [[SET:name="value"]]', open);
          break;
        }
        out.push({ type: 'set', name: name.toLowerCase(), value });
        break;
      }
      case 'INC':
      case 'DEC': {
        if (!nameRe.test(args)) {
          fail('MERGE_BAD_ARGUMENTS', `${keyword} is written [[${keyword}:name]]`, open);
          break;
        }
        out.push({ type: keyword === 'INC' ? 'inc' : 'dec', name: args.toLowerCase() });
        break;
      }
      case 'FORMAT-DATE':
      case 'SEC-TO-TIME': {
        const list = splitArgs(args);
        if (list?.length !== 2) {
          fail('MERGE_BAD_ARGUMENTS', `${keyword} is written [[${keyword}:"value","format"]]`, open);
          break;
        }
        const [a, b] = list.map((x) => parseOperand(x, known, (c, m) => fail(c, m, open))) as [
          Operand,
          Operand,
        ];
        out.push(
          keyword === 'FORMAT-DATE'
            ? { type: 'formatDate', date: a, format: b }
            : { type: 'secToTime', seconds: a, format: b },
        );
        break;
      }
      default: {
        if (options.internal && inner.startsWith('#link:')) {
          out.push({ type: 'link', n: Number(inner.slice(6)) });
          break;
        }
        if (colon >= 0 || !nameRe.test(inner)) {
          fail('MERGE_SYNTAX', `"[[${clip(inner)}]]" is not a tag of the merge language`, open);
          break;
        }
        if (!known(inner)) {
          fail('MERGE_UNKNOWN_TAG', `unknown tag [[${clip(inner)}]]`, open);
          break;
        }
        out.push({ type: 'var', name: inner.toLowerCase(), ...at });
      }
    }
  }
  for (let k = stack.length - 1; k >= 0; k--) {
    const frame = stack[k] as Frame;
    if (errors.length < maxErrors)
      errors.push({
        code: 'MERGE_UNCLOSED_IF',
        message: 'IF without ENDIF',
        line: frame.line,
        column: frame.column,
      });
  }
  return { nodes: root, errors };
}

function pushText(out: MergeNode[], value: string): void {
  const last = out[out.length - 1];
  if (last?.type === 'text') last.value += value;
  else out.push({ type: 'text', value });
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function lineStarts(source: string): number[] {
  const starts = [0];
  for (let k = source.indexOf('\n'); k >= 0; k = source.indexOf('\n', k + 1)) starts.push(k + 1);
  return starts;
}

function collectSetNames(source: string): Set<string> {
  const names = new Set<string>();
  for (let k = source.indexOf('[[SET:'); k >= 0; k = source.indexOf('[[SET:', k + 6)) {
    const eq = source.indexOf('=', k);
    const end = source.indexOf(']]', k);
    if (eq > k && (end < 0 || eq < end))
      names.add(
        source
          .slice(k + 6, eq)
          .trim()
          .toLowerCase(),
      );
  }
  for (const kw of ['[[INC:', '[[DEC:']) {
    for (let k = source.indexOf(kw); k >= 0; k = source.indexOf(kw, k + 6)) {
      const end = source.indexOf(']]', k);
      if (end > k)
        names.add(
          source
            .slice(k + 6, end)
            .trim()
            .toLowerCase(),
        );
    }
  }
  return names;
}

/** Splits `a,"b, c",d` on commas outside double quotes; null when a quote is not closed. */
function splitArgs(args: string): string[] | null {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of args) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (quoted) return null;
  parts.push(current.trim());
  return parts;
}

function parseLiteralOrVar(text: string, known: (n: string) => boolean): Operand | null {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"'))
    return { kind: 'literal', value: text.slice(1, -1) };
  if (nameRe.test(text) && known(text)) return { kind: 'var', name: text.toLowerCase() };
  return null;
}

function parseOperand(
  text: string,
  known: (n: string) => boolean,
  fail: (code: string, message: string) => void,
): Operand {
  const op = parseLiteralOrVar(text, known);
  if (op) return op;
  if (nameRe.test(text)) fail('MERGE_UNKNOWN_TAG', `unknown tag ${clip(text)}`);
  else fail('MERGE_BAD_ARGUMENTS', `"${clip(text)}" is neither a quoted value nor a tag name`);
  return { kind: 'literal', value: '' };
}

function parseCondition(
  args: string,
  known: (n: string) => boolean,
  fail: (code: string, message: string) => void,
): Condition {
  const m = /^(.*?)\s*(!=|<>|=)\s*(.*)$/s.exec(args);
  if (!m) {
    if (args === '') {
      fail('MERGE_BAD_ARGUMENTS', 'IF needs an expression: [[IF:customer.title="CEO"]]');
      return { left: { kind: 'literal', value: '' }, op: 'truthy', right: null };
    }
    return { left: parseOperand(args, known, fail), op: 'truthy', right: null };
  }
  const left = parseOperand((m[1] ?? '').trim(), known, fail);
  const right = parseOperand((m[3] ?? '').trim(), known, fail);
  return { left, op: m[2] === '=' ? '=' : '!=', right };
}
