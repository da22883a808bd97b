import { describe, expect, it } from 'vitest';
import { domainSummary, recordStates, statusLabels } from './dns';
import type { DomainCheck, SendingDomain } from './types';

const records: SendingDomain['records'] = [
  { type: 'TXT', name: 'ph202611._domainkey.example.com', value: 'v=DKIM1; k=rsa; p=KEY', purpose: 'dkim' },
  { type: 'TXT', name: 'example.com', value: 'v=spf1 mx a ~all', purpose: 'spf' },
  { type: 'TXT', name: '_dmarc.example.com', value: 'v=DMARC1; p=none', purpose: 'dmarc' },
];

const nothing: DomainCheck = {
  spf: { found: false, record: null },
  dkim: { found: false, matches: false, record: null },
  dmarc: { found: false, record: null, policy: null },
  missing: ['no SPF record at example.com'],
};

describe('DNS record states', () => {
  it('says "not checked yet" for every record before the first check', () => {
    const states = recordStates({ records, check: null });
    expect(states.map((s) => statusLabels[s.status])).toEqual([
      'Not checked yet',
      'Not checked yet',
      'Not checked yet',
    ]);
    expect(domainSummary({ records, check: null }).label).toBe('Not checked');
  });

  it('shows every record missing when DNS answers nothing (as offline)', () => {
    const states = recordStates({ records, check: nothing });
    expect(states.map((s) => s.status)).toEqual(['missing', 'missing', 'missing']);
    expect(states.every((s) => s.found === null)).toBe(true);
    expect(domainSummary({ records, check: nothing })).toEqual({ label: 'Not verified', color: 'red' });
  });

  it('calls a DKIM record with another key wrong, and shows what was found', () => {
    const check: DomainCheck = {
      ...nothing,
      dkim: { found: true, matches: false, record: 'v=DKIM1; p=OTHER' },
    };
    const [dkim] = recordStates({ records, check });
    expect(dkim).toMatchObject({ status: 'wrong', found: 'v=DKIM1; p=OTHER' });
    expect(statusLabels.wrong).toBe('Wrong value');
  });

  it('accepts an SPF or DMARC record of the domain’s own, showing it', () => {
    const check: DomainCheck = {
      spf: { found: true, record: 'v=spf1 include:_spf.example.net -all' },
      dkim: { found: true, matches: true, record: 'v=DKIM1; k=rsa; p=KEY' },
      dmarc: { found: true, record: 'v=DMARC1; p=none', policy: 'none' },
      missing: [],
    };
    const states = recordStates({ records, check });
    expect(states.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    expect(states[1]?.found).toBe('v=spf1 include:_spf.example.net -all');
    expect(states[1]?.explanation).toMatch(/^An SPF record is published with its own value/);
    expect(states[2]?.explanation).toBe('Published as suggested.');
    expect(domainSummary({ records, check })).toEqual({ label: 'Verified', color: 'green' });
    const noSpf = { ...check, spf: { found: false, record: null } };
    expect(domainSummary({ records, check: noSpf }).label).toBe('DKIM verified, records missing');
  });
});
