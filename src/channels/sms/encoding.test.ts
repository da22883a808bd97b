import { describe, expect, it } from 'vitest';
import { checkSmsSender, countSms } from './encoding.js';

describe('SMS encoding and parts', () => {
  it('GSM-7: 160 characters are one SMS, 161 are two parts of 153', () => {
    expect(countSms('a'.repeat(160))).toMatchObject({
      encoding: 'GSM-7',
      units: 160,
      parts: 1,
      remaining: 0,
    });
    expect(countSms('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', parts: 2 });
    expect(countSms('a'.repeat(306)).parts).toBe(2);
    expect(countSms('a'.repeat(307)).parts).toBe(3);
  });

  it('UCS-2: 70 characters are one SMS, 71 are two parts of 67', () => {
    expect(countSms('ж'.repeat(70))).toMatchObject({ encoding: 'UCS-2', units: 70, parts: 1 });
    expect(countSms('ж'.repeat(71))).toMatchObject({ encoding: 'UCS-2', parts: 2 });
    expect(countSms('ж'.repeat(134)).parts).toBe(2);
    expect(countSms('ж'.repeat(135)).parts).toBe(3);
  });

  it('one non-GSM character switches the whole text to UCS-2 and is named', () => {
    const c = countSms(`${'a'.repeat(100)}✓`);
    expect(c.encoding).toBe('UCS-2');
    expect(c.parts).toBe(2);
    expect(c.nonGsmCharacters).toEqual(['✓']);
  });

  it('Norwegian letters are GSM-7 (æøå, ÆØÅ) but not every accent is', () => {
    expect(countSms('Hei på deg, blåbærsyltetøy! ÆØÅ').encoding).toBe('GSM-7');
    expect(countSms('Olá').encoding).toBe('UCS-2');
  });

  it('extension characters count two septets', () => {
    expect(countSms('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, parts: 1 });
    expect(countSms(`${'€'.repeat(80)}a`)).toMatchObject({ units: 161, parts: 2 });
    expect(countSms('{}[]~|^\\').units).toBe(16);
  });

  it('an extension character is never split across parts', () => {
    // 152 septets then € (2): does not fit the 153 of part one → part two
    const c = countSms(`${'a'.repeat(152)}€${'a'.repeat(10)}`);
    expect(c.units).toBe(164);
    expect(c.parts).toBe(2);
    expect(c.remaining).toBe(153 - 12);
  });

  it('emoji take two UCS-2 units and are never split', () => {
    expect(countSms('😀'.repeat(35))).toMatchObject({ characters: 35, units: 70, parts: 1 });
    expect(countSms(`${'ж'.repeat(66)}😀`)).toMatchObject({ units: 68, parts: 1 });
    expect(countSms(`${'ж'.repeat(70)}😀`).parts).toBe(2);
  });

  it('the empty text is zero parts', () => {
    expect(countSms('').parts).toBe(0);
  });

  it('sender: alphanumeric up to 11 GSM characters, or a number', () => {
    expect(checkSmsSender('Posthorn')).toEqual({ ok: true, numeric: false });
    expect(checkSmsSender('+4791234567')).toEqual({ ok: true, numeric: true });
    expect(checkSmsSender('TwelveChars1').ok).toBe(false);
    expect(checkSmsSender('Bjørn€').ok).toBe(false);
    expect(checkSmsSender('').ok).toBe(false);
  });
});
