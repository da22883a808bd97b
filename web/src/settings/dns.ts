import type { DnsRecord, SendingDomain } from './types';

export type RecordStatus = 'unchecked' | 'ok' | 'missing' | 'wrong';

export interface RecordState {
  record: DnsRecord;
  status: RecordStatus;
  /** What DNS holds at the record's name, when the check found something. */
  found: string | null;
  /** One short sentence for the admin. */
  explanation: string;
}

export const statusLabels: Record<RecordStatus, string> = {
  unchecked: 'Not checked yet',
  ok: 'Found',
  missing: 'Missing',
  wrong: 'Wrong value',
};

export const statusColors: Record<RecordStatus, string> = {
  unchecked: 'gray',
  ok: 'green',
  missing: 'red',
  wrong: 'orange',
};

export const purposeLabels: Record<DnsRecord['purpose'], string> = {
  dkim: 'DKIM (signature key)',
  spf: 'SPF (allowed senders)',
  dmarc: 'DMARC (policy)',
};

/**
 * The state of each DNS record after the domain's last check. DKIM must hold exactly our key
 * (else mail is not seen as signed by the domain); SPF and DMARC are suggestions: any SPF or
 * DMARC record counts as found, and the one found is shown.
 */
export function recordStates(domain: Pick<SendingDomain, 'records' | 'check'>): RecordState[] {
  return domain.records.map((record) => {
    const check = domain.check;
    if (!check)
      return { record, status: 'unchecked', found: null, explanation: 'Press Check after publishing it.' };
    if (record.purpose === 'dkim') {
      if (!check.dkim.found)
        return { record, status: 'missing', found: null, explanation: 'No DKIM record at this name yet.' };
      if (!check.dkim.matches)
        return {
          record,
          status: 'wrong',
          found: check.dkim.record,
          explanation: 'A DKIM record is there, but with another key: replace its value with the one above.',
        };
      return { record, status: 'ok', found: check.dkim.record, explanation: 'The key matches.' };
    }
    const part = record.purpose === 'spf' ? check.spf : check.dmarc;
    const name = record.purpose === 'spf' ? 'SPF' : 'DMARC';
    const article = record.purpose === 'spf' ? 'An' : 'A';
    if (!part.found)
      return { record, status: 'missing', found: null, explanation: `No ${name} record at this name yet.` };
    return {
      record,
      status: 'ok',
      found: part.record,
      explanation:
        part.record === record.value
          ? 'Published as suggested.'
          : `${article} ${name} record is published with its own value: fine if it is yours.`,
    };
  });
}

/** The domain in one word: whether messages from it will be signed and trusted. */
export function domainSummary(domain: Pick<SendingDomain, 'records' | 'check'>): {
  label: string;
  color: string;
} {
  if (!domain.check) return { label: 'Not checked', color: 'gray' };
  const states = recordStates(domain);
  if (states.every((s) => s.status === 'ok')) return { label: 'Verified', color: 'green' };
  const dkim = states.find((s) => s.record.purpose === 'dkim');
  if (dkim?.status === 'ok') return { label: 'DKIM verified, records missing', color: 'orange' };
  return { label: 'Not verified', color: 'red' };
}
