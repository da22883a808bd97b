/**
 * A compact set of string keys, each with a line number: 12 bytes per key in typed arrays instead
 * of a JavaScript Map (≈ 100 bytes per key), so de-duplicating a 1,000,000-row import costs about
 * 24 MB. Keys are stored as two independent 32-bit hashes (64 bits): two different keys are taken
 * for one with a probability of about n² / 2⁶⁵ (3 × 10⁻⁸ for a million keys).
 */
export class KeyLineSet {
  private h1: Uint32Array;
  private h2: Uint32Array;
  private lines: Uint32Array;
  private used = 0;

  constructor(initialCapacity = 1024) {
    let cap = 1024;
    while (cap < initialCapacity * 2) cap *= 2;
    this.h1 = new Uint32Array(cap);
    this.h2 = new Uint32Array(cap);
    this.lines = new Uint32Array(cap);
  }

  get size(): number {
    return this.used;
  }

  /** The line stored for `key`, or undefined. */
  get(key: string): number | undefined {
    const [a, b] = hashes(key);
    const mask = this.h1.length - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const line = this.lines[i] ?? 0;
      if (line === 0) return undefined;
      if (this.h1[i] === a && this.h2[i] === b) return line - 1;
    }
  }

  /** Stores `key` with `line` (≥ 0) unless present; returns the line stored before, if any. */
  add(key: string, line: number): number | undefined {
    if ((this.used + 1) * 2 > this.h1.length) this.grow();
    const [a, b] = hashes(key);
    return this.insert(a, b, line + 1);
  }

  private insert(a: number, b: number, storedLine: number): number | undefined {
    const mask = this.h1.length - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const line = this.lines[i] ?? 0;
      if (line === 0) {
        this.h1[i] = a;
        this.h2[i] = b;
        this.lines[i] = storedLine;
        this.used++;
        return undefined;
      }
      if (this.h1[i] === a && this.h2[i] === b) return line - 1;
    }
  }

  private grow(): void {
    const { h1, h2, lines } = this;
    this.h1 = new Uint32Array(h1.length * 2);
    this.h2 = new Uint32Array(h1.length * 2);
    this.lines = new Uint32Array(h1.length * 2);
    this.used = 0;
    for (let i = 0; i < h1.length; i++) {
      const line = lines[i] ?? 0;
      if (line !== 0) this.insert(h1[i] ?? 0, h2[i] ?? 0, line);
    }
  }
}

/** FNV-1a and a multiplicative hash over the UTF-16 code units, in one pass. */
function hashes(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, (b ^ (b >>> 13)) >>> 0];
}
