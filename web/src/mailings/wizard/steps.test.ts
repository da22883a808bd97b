import { describe, expect, it } from 'vitest';
import type { Step } from '../../api/types';
import { smsCountLine, smsEncodingHint } from './sms';
import { errorsFor, readyToSend, stepViews } from './steps';

const steps: Step[] = [
  {
    step: 'setup',
    complete: false,
    errors: [{ field: 'setup.subject', code: 'REQUIRED', message: 'the subject is empty' }],
  },
  { step: 'template', complete: true, errors: [] },
  { step: 'content', complete: true, errors: [] },
  { step: 'recipients', complete: true, errors: [] },
  {
    step: 'confirm',
    complete: false,
    errors: [{ field: 'setup', code: 'STEP_INCOMPLETE', message: 'the setup step is incomplete' }],
  },
];

describe('wizard steps', () => {
  it('maps each step to complete, incomplete or unknown in wizard order', () => {
    expect(stepViews(steps).map((s) => [s.name, s.state])).toEqual([
      ['setup', 'incomplete'],
      ['template', 'complete'],
      ['content', 'complete'],
      ['recipients', 'complete'],
      ['confirm', 'incomplete'],
    ]);
    expect(stepViews(undefined).every((s) => s.state === 'unknown')).toBe(true);
  });

  it('is ready to send only when every step is complete', () => {
    expect(readyToSend(steps)).toBe(false);
    expect(readyToSend(undefined)).toBe(false);
    expect(readyToSend(steps.map((s) => ({ ...s, complete: true })))).toBe(true);
  });

  it('finds the errors of one field as sentences', () => {
    expect(errorsFor(steps, 'setup.subject')).toBe('The subject is empty');
    expect(errorsFor(steps, 'setup.preheader')).toBeUndefined();
  });
});

describe('SMS count display', () => {
  it('says characters, encoding and parts', () => {
    const count = {
      encoding: 'GSM-7' as const,
      characters: 5,
      units: 5,
      parts: 1,
      remaining: 155,
      nonGsmCharacters: [],
    };
    expect(smsCountLine(count)).toBe('5 characters · GSM-7 · 1 part (155 left in this part)');
    expect(smsEncodingHint(count)).toBeNull();
  });

  it('explains UCS-2 with the characters that caused it', () => {
    const count = {
      encoding: 'UCS-2' as const,
      characters: 4,
      units: 5,
      parts: 2,
      remaining: 65,
      nonGsmCharacters: ['😀'],
    };
    expect(smsCountLine(count)).toContain('UCS-2 · 2 parts');
    expect(smsEncodingHint(count)).toContain('😀');
  });
});
