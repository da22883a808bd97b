import { seededRandom } from '../src/core/index.js';

/** Deterministic pseudo-random numbers: the same benchmark data every run. */
export const rng = seededRandom;

import { createWriteStream } from 'node:fs';

const first = [
  'Kari',
  'Ola',
  'Ingrid',
  'Lars',
  'Sigrid',
  'Erik',
  'Astrid',
  'Nils',
  'Liv',
  'Anders',
  'Maja',
  'Johan',
  'Freja',
  'Mikkel',
  'Saga',
];
const last = [
  'Hansen',
  'Johansen',
  'Olsen',
  'Larsen',
  'Andersson',
  'Nielsen',
  'Berg',
  'Lindqvist',
  'Haugen',
  'Virtanen',
  'Dahl',
  'Strand',
];
export const cities = [
  'Oslo',
  'Bergen',
  'Trondheim',
  'Stockholm',
  'Göteborg',
  'Malmö',
  'København',
  'Aarhus',
  'Helsinki',
  'Tampere',
  'Tromsø',
  'Uppsala',
];

export interface BenchRow {
  email: string;
  firstName: string;
  lastName: string;
  company: string;
  mobile: string;
  city: string;
}

export function benchRow(i: number, r: () => number): BenchRow {
  const f = first[Math.floor(r() * first.length)] ?? 'Kari';
  const l = last[Math.floor(r() * last.length)] ?? 'Hansen';
  return {
    email: `${f.toLowerCase()}.${l.toLowerCase()}.${i}@example${i % 97}.com`,
    firstName: f,
    lastName: l,
    // about 20,000 companies, each with about 50 persons
    company: `${last[(i % 20_000) % last.length]} ${['AS', 'AB', 'ApS', 'Oy'][(i % 20_000) % 4]} ${i % 20_000}`,
    mobile: `+479${String(1_000_000 + Math.floor(r() * 8_999_999)).slice(0, 7)}`,
    city: cities[Math.floor(r() * cities.length)] ?? 'Oslo',
  };
}

/** Writes an n-row CSV (email, first name, last name, company, mobile, city). */
export async function writeCsv(path: string, n: number): Promise<void> {
  const r = rng(42);
  const out = createWriteStream(path);
  out.write('email,first name,last name,company,mobile,city\n');
  for (let i = 0; i < n; i++) {
    const row = benchRow(i, r);
    const line = `${row.email},${row.firstName},${row.lastName},${row.company},${row.mobile},${row.city}\n`;
    if (!out.write(line)) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}
