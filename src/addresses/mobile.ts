import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type MobileValidation =
  | { valid: true; e164: string; country: string | undefined }
  | { valid: false; reason: 'empty' | 'unparseable' | 'notMobile' | 'invalidNumber'; message: string };

/**
 * Normalises a mobile number to E.164. Numbers without a country code take `defaultCountry`.
 * Fixed-line numbers are refused: an SMS cannot reach them.
 */
export function validateMobile(input: string, defaultCountry: string): MobileValidation {
  const value = input.trim();
  if (value === '') return { valid: false, reason: 'empty', message: 'the number is empty' };
  const parsed = parsePhoneNumberFromString(value, defaultCountry as CountryCode);
  if (parsed === undefined) return { valid: false, reason: 'unparseable', message: 'not a phone number' };
  if (!parsed.isValid()) {
    return { valid: false, reason: 'invalidNumber', message: 'not a valid number for its country' };
  }
  const type = parsed.getType();
  if (type !== undefined && type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') {
    return {
      valid: false,
      reason: 'notMobile',
      message: `a ${type.toLowerCase().replace(/_/g, ' ')} number`,
    };
  }
  return { valid: true, e164: parsed.number, country: parsed.country };
}
