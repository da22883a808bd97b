import type { SmsCount } from '../../api/types';

/** The SMS counter's line: "42 characters · GSM-7 · 1 part (118 left)". */
export function smsCountLine(count: SmsCount): string {
  const parts = `${count.parts} ${count.parts === 1 ? 'part' : 'parts'}`;
  const chars = `${count.characters} ${count.characters === 1 ? 'character' : 'characters'}`;
  return `${chars} · ${count.encoding} · ${parts} (${count.remaining} left in this part)`;
}

/** Why the message is UCS-2 (shorter parts), naming the characters that caused it. */
export function smsEncodingHint(count: SmsCount): string | null {
  if (count.encoding !== 'UCS-2') return null;
  const chars = count.nonGsmCharacters.slice(0, 5).join(' ');
  return `These characters need UCS-2, which fits 70 characters in one SMS instead of 160: ${chars}`;
}
