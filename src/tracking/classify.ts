/**
 * Human vs machine (PRODUCT.md §10): every open and click is recorded, and each is classified
 * with a reason. "Read", the rates and resends use human events only. These are the rules that
 * need nothing but the request; the flusher adds the ones that need the recipient (a click within
 * seconds of sending) and the tracking service the ones that need recent history (many links in
 * one second, the trap link).
 */
export type MachineReason =
  | 'mailPrivacyProxy'
  | 'noUserAgent'
  | 'knownBot'
  | 'headRequest'
  | 'clickedWithinSeconds'
  | 'manyLinksInOneSecond'
  | 'trapLink';

export const machineReasons: readonly MachineReason[] = [
  'mailPrivacyProxy',
  'noUserAgent',
  'knownBot',
  'headRequest',
  'clickedWithinSeconds',
  'manyLinksInOneSecond',
  'trapLink',
];

export interface RequestFacts {
  kind: 'open' | 'click';
  method: string;
  userAgent: string | undefined;
  ip: string;
}

// security gateways and link scanners that fetch every URL of a message before (or instead of) a human
const botPattern =
  /bot\b|crawler|spider|scanner|preview|barracuda|mimecast|proofpoint|safelinks|symantec|trendmicro|forcepoint|ironport|fireeye|python-requests|python-urllib|curl\/|wget\/|go-http-client|java\/|okhttp|libwww|httpclient|headlesschrome|phantomjs|microsoft office protocol discovery|ms-office|skypeuripreview|slackbot|facebookexternalhit|whatsapp|telegrambot/i;

/**
 * Apple Mail Privacy Protection fetches every image through Apple's proxies (17.0.0.0/8) with the
 * bare user agent `Mozilla/5.0`, whether or not the person looks at the message.
 */
function isApplePrivacyProxy(userAgent: string, ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return userAgent.trim() === 'Mozilla/5.0' || v4.startsWith('17.');
}

/** The machine reason that the request alone shows, or null when it looks like a person. */
export function machineByRequest(f: RequestFacts): MachineReason | null {
  if (f.method === 'HEAD') return 'headRequest';
  const ua = f.userAgent ?? '';
  if (ua.trim() === '') return 'noUserAgent';
  if (f.kind === 'open' && isApplePrivacyProxy(ua, f.ip)) return 'mailPrivacyProxy';
  if (botPattern.test(ua)) return 'knownBot';
  return null;
}

/** The e-mail client family of a request, for the "read by client" report. */
export function clientFamily(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  if (/GoogleImageProxy|Gmail/i.test(ua)) return 'Gmail';
  if (/YahooMailProxy|Yahoo/i.test(ua)) return 'Yahoo Mail';
  if (/Outlook|Microsoft Office|MSOffice|Windows Mail/i.test(ua)) return 'Outlook';
  if (/Thunderbird/i.test(ua)) return 'Thunderbird';
  if (/iPhone|iPad/i.test(ua)) return 'Apple iOS';
  if (/Macintosh.*AppleWebKit(?!.*(Chrome|Firefox|Safari))/i.test(ua)) return 'Apple Mail';
  if (/Android/i.test(ua)) return 'Android';
  if (/Chrome|Firefox|Safari|Edg\//i.test(ua)) return 'Browser';
  return 'Other';
}

/** Clicks this soon after the message was sent are a scanner's, not a person's. */
export const scannerWindowMs = 10_000;

/**
 * Remembers each recipient's clicks of the last second (per process): the third distinct link
 * within one second is a scanner walking the message, and so is everything after a trap link.
 */
export class BurstDetector {
  private readonly recent = new Map<number, Array<{ at: number; link: number }>>();
  private sweepAt = 0;

  constructor(
    private readonly windowMs = 1000,
    private readonly distinctLinks = 3,
  ) {}

  /** Records a click; true when it makes (or continues) a burst. */
  click(recipientId: number, link: number, at: number): boolean {
    this.sweep(at);
    const list = (this.recent.get(recipientId) ?? []).filter((c) => at - c.at < this.windowMs);
    list.push({ at, link });
    this.recent.set(recipientId, list);
    return new Set(list.map((c) => c.link)).size >= this.distinctLinks;
  }

  private sweep(now: number): void {
    if (now - this.sweepAt < 10_000) return;
    this.sweepAt = now;
    for (const [id, list] of this.recent)
      if (list.every((c) => now - c.at >= this.windowMs)) this.recent.delete(id);
  }
}
