/**
 * SMS encoding and part counting (PRODUCT.md §6, §15.1). A text that fits the GSM 03.38 default
 * alphabet (with its extension table) is sent as GSM-7: 160 septets in one SMS, 153 per part when
 * concatenated; an extension character takes two septets and is never split across parts.
 * Anything else is UCS-2: 70 UTF-16 units in one SMS, 67 per part; a surrogate pair is never
 * split across parts.
 */
const gsmBasic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const gsmExtension = '\f^{}\\[~]|€';

const basicSet = new Set([...gsmBasic].filter((c) => c !== '\u001b'));
const extensionSet = new Set(gsmExtension);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsCount {
  encoding: SmsEncoding;
  /** Characters as the user sees them (code points). */
  characters: number;
  /** Septets (GSM-7) or UTF-16 units (UCS-2). */
  units: number;
  parts: number;
  /** Units left in the last part before another part is needed. */
  remaining: number;
  /** Characters that forced UCS-2 (first 20, distinct). */
  nonGsmCharacters: string[];
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!basicSet.has(ch) && !extensionSet.has(ch)) return false;
  return true;
}

/** Counts encoding, units and parts of an SMS text exactly as a gateway will split it. */
export function countSms(text: string): SmsCount {
  const chars = [...text];
  const nonGsm = [...new Set(chars.filter((c) => !basicSet.has(c) && !extensionSet.has(c)))].slice(0, 20);
  const gsm = nonGsm.length === 0;
  const sizes = chars.map((c) => (gsm ? (extensionSet.has(c) ? 2 : 1) : c.length));
  const units = sizes.reduce((a, b) => a + b, 0);
  const single = gsm ? 160 : 70;
  const perPart = gsm ? 153 : 67;
  if (units <= single) {
    return {
      encoding: gsm ? 'GSM-7' : 'UCS-2',
      characters: chars.length,
      units,
      parts: units === 0 ? 0 : 1,
      remaining: single - units,
      nonGsmCharacters: nonGsm,
    };
  }
  // fill parts greedily; a two-unit character that does not fit starts the next part
  let parts = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > perPart) {
      parts += 1;
      used = 0;
    }
    used += size;
  }
  return {
    encoding: gsm ? 'GSM-7' : 'UCS-2',
    characters: chars.length,
    units,
    parts,
    remaining: perPart - used,
    nonGsmCharacters: nonGsm,
  };
}

/** A valid SMS sender: an alphanumeric name of at most 11 GSM characters, or a phone number. */
export function checkSmsSender(
  sender: string,
): { ok: true; numeric: boolean } | { ok: false; reason: string } {
  const s = sender.trim();
  if (/^\+?[0-9]{3,15}$/.test(s)) return { ok: true, numeric: true };
  if (s === '') return { ok: false, reason: 'the sender is empty' };
  if (!/[A-Za-z]/.test(s))
    return { ok: false, reason: 'a sender name needs a letter, or it must be a phone number' };
  if (!isGsm7(s) || [...s].some((c) => extensionSet.has(c)))
    return { ok: false, reason: 'a sender name uses only GSM characters' };
  if ([...s].length > 11) return { ok: false, reason: 'a sender name has at most 11 characters' };
  return { ok: true, numeric: false };
}

/** One SMS part as a gateway submits it: the payload bytes and, for a long message, its UDH. */
export interface SmsPart {
  /** GSM-7 as unpacked septets (SMPP `data_coding` 0) or UCS-2 as UTF-16BE (`data_coding` 8). */
  payload: Buffer;
  /** The concatenation header (IEI 0x00, 8-bit reference), absent for a single SMS. */
  udh: Buffer | null;
}

const gsmCode = new Map<string, number[]>([
  ...[...gsmBasic].map((c, i) => [c, [i]] as [string, number[]]),
  ...(
    [
      ['\f', 0x0a],
      ['^', 0x14],
      ['{', 0x28],
      ['}', 0x29],
      ['\\', 0x2f],
      ['[', 0x3c],
      ['~', 0x3d],
      [']', 0x3e],
      ['|', 0x40],
      ['€', 0x65],
    ] as const
  ).map(([c, code]) => [c, [0x1b, code]] as [string, number[]]),
]);

/**
 * Splits a text into the parts `countSms` counts, encoded for the wire: never splitting a GSM
 * escape pair or a UTF-16 surrogate pair. `reference` tells the handset which parts belong together.
 */
export function encodeSms(text: string, reference: number): { encoding: SmsEncoding; parts: SmsPart[] } {
  const gsm = isGsm7(text);
  const units: Buffer[] = [...text].map((c) =>
    gsm ? Buffer.from(gsmCode.get(c) ?? [0x20]) : Buffer.from(c, 'utf16le').swap16(),
  );
  const total = units.reduce((a, b) => a + b.length / (gsm ? 1 : 2), 0);
  const single = gsm ? 160 : 70;
  const perPart = gsm ? 153 : 67;
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  if (total <= single) return { encoding, parts: [{ payload: Buffer.concat(units), udh: null }] };
  const chunks: Buffer[][] = [[]];
  let used = 0;
  for (const u of units) {
    const size = gsm ? u.length : u.length / 2;
    if (used + size > perPart) {
      chunks.push([]);
      used = 0;
    }
    (chunks[chunks.length - 1] as Buffer[]).push(u);
    used += size;
  }
  const ref = reference & 0xff;
  return {
    encoding,
    parts: chunks.map((c, i) => ({
      payload: Buffer.concat(c),
      udh: Buffer.from([0x05, 0x00, 0x03, ref, chunks.length, i + 1]),
    })),
  };
}
