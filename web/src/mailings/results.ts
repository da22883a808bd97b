/** GET /api/v1/mailings/{id}/summary, the part the list shows (src/followup/followup.service.ts). */
export interface MailingResults {
  recipients: number;
  sent: number;
  delivered: number;
  read: number;
  clicked: number;
  /** Of the delivered; null while nothing was delivered. */
  rates: { open: number | null; click: number | null };
}

/** A rate (0–1) as a percentage in the user's locale, e.g. "45.3 %" or "45,3 %"; "–" when there is none. */
export function percent(rate: number | null, locale: string): string {
  if (rate === null || !Number.isFinite(rate)) return '–';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate);
}

/** Only a mailing that has sent something has results to show (a draft's recipients are in the wizard). */
export function hasResults(state: string): boolean {
  return state === 'sending' || state === 'stopped' || state === 'finished' || state === 'cancelled';
}
