import { describe, expect, it } from 'vitest';
import {
  contentMode,
  emptyMjml,
  findingPlace,
  formatMjml,
  forVisualEditor,
  isMjmlDocument,
  linkHtml,
  mergeTag,
  offsetOf,
  specialLinks,
  storedMode,
  withTrackedLink,
} from './content';

describe('contentMode', () => {
  it('opens MJML visually unless Source was chosen', () => {
    expect(contentMode('mjml', null, false)).toBe('visual');
    expect(contentMode('mjml', 'source', false)).toBe('source');
    expect(contentMode('mjml', 'visual', false)).toBe('visual');
  });
  it('shows HTML and read-only content as source', () => {
    expect(contentMode('html', 'visual', false)).toBe('source');
    expect(contentMode('mjml', 'visual', true)).toBe('source');
  });
  it('reads only a known stored preference', () => {
    expect(storedMode({ getItem: () => 'source' })).toBe('source');
    expect(storedMode({ getItem: () => 'other' })).toBeNull();
    expect(
      storedMode({
        getItem: () => {
          throw new Error('denied');
        },
      }),
    ).toBeNull();
    expect(storedMode(undefined)).toBeNull();
  });
});

describe('forVisualEditor', () => {
  it('opens self-closing mj tags and leaves the rest', () => {
    expect(forVisualEditor('<mj-image src="/media/a.png" alt="A / B" />')).toBe(
      '<mj-image src="/media/a.png" alt="A / B"></mj-image>',
    );
    expect(forVisualEditor('<mj-all font-family="Helvetica, Arial"/><mj-text>a<br />b</mj-text>')).toBe(
      '<mj-all font-family="Helvetica, Arial"></mj-all><mj-text>a<br />b</mj-text>',
    );
    expect(forVisualEditor('<mj-divider />')).toBe('<mj-divider></mj-divider>');
  });
  it('gives an empty document to start from', () => {
    expect(forVisualEditor('  ')).toBe(emptyMjml);
  });
});

describe('isMjmlDocument', () => {
  it('knows an MJML document from HTML', () => {
    expect(isMjmlDocument('<mjml><mj-body></mj-body></mjml>')).toBe(true);
    expect(isMjmlDocument('<!-- note -->\n<mjml lang="en">')).toBe(true);
    expect(isMjmlDocument('')).toBe(true);
    expect(isMjmlDocument('<html><body>Hi</body></html>')).toBe(false);
  });
});

describe('inserted strings', () => {
  it('writes merge tags and escaped links', () => {
    expect(mergeTag('customer.firstname')).toBe('[[customer.firstname]]');
    expect(linkHtml('https://x.example/?a=1&b="2"', 'Fish & <chips>')).toBe(
      '<a href="https://x.example/?a=1&amp;b=&quot;2&quot;">Fish &amp; &lt;chips&gt;</a>',
    );
    expect(linkHtml('[[link.subscription]]', 'Unsubscribe')).toBe(
      '<a href="[[link.subscription]]">Unsubscribe</a>',
    );
  });
  it('names the special links as a reader sees them', () => {
    const links = specialLinks([
      { name: 'customer.firstname', description: 'First name', example: 'Kari', group: 'customer' },
      { name: 'link.subscription', description: 'Unsubscribe …', example: '', group: 'link' },
      { name: 'link.viewShipmentMessage', description: 'View online', example: '', group: 'link' },
      { name: 'link.other', description: 'Something else', example: '', group: 'link' },
    ]);
    expect(links).toEqual([
      { field: 'link.subscription', label: 'Unsubscribe', text: 'Unsubscribe' },
      { field: 'link.viewShipmentMessage', label: 'View online', text: 'View online' },
      { field: 'link.other', label: 'Something else', text: 'Something else' },
    ]);
  });
  it('adds a tracked link once', () => {
    expect(withTrackedLink(undefined, 3)).toEqual([3]);
    expect(withTrackedLink([1, 3], 3)).toEqual([1, 3]);
    expect(withTrackedLink([1], 2)).toEqual([1, 2]);
  });
});

describe('audit places', () => {
  it('says where a finding is', () => {
    expect(findingPlace({ part: 'content', line: 3, column: 5 })).toBe('line 3, column 5');
    expect(findingPlace({ part: 'setup.preheader' })).toBe('Preheader');
    expect(findingPlace({ part: 'content', element: 'img' })).toBe('<img>');
    expect(findingPlace({ part: 'content' })).toBeNull();
  });
  it('finds the offset of a line and column', () => {
    const text = 'ab\ncdef\ng';
    expect(offsetOf(text, 1, 1)).toBe(0);
    expect(offsetOf(text, 2, 3)).toBe(5);
    expect(offsetOf(text, 2, 99)).toBe(7);
    expect(offsetOf(text, 3)).toBe(8);
    expect(offsetOf(text, 9)).toBe(text.length);
  });
});

describe('formatMjml', () => {
  it('puts one element a line, indented, and keeps text content as written', () => {
    const one =
      '<mjml><mj-head><mj-title>Hi</mj-title><mj-attributes><mj-all font-family="A, B"></mj-all></mj-attributes></mj-head>' +
      '<mj-body><mj-section padding="0 24px"><mj-column><mj-text align="center">Dear <b>[[customer.firstname]]</b>,<br/>\n  welcome</mj-text>' +
      '<mj-image src="/media/a.png" alt="x > y"/><mj-button href="[[link.subscription]]">Go</mj-button></mj-column></mj-section></mj-body></mjml>';
    expect(formatMjml(one)).toBe(
      [
        '<mjml>',
        '  <mj-head>',
        '    <mj-title>Hi</mj-title>',
        '    <mj-attributes>',
        '      <mj-all font-family="A, B"></mj-all>',
        '    </mj-attributes>',
        '  </mj-head>',
        '  <mj-body>',
        '    <mj-section padding="0 24px">',
        '      <mj-column>',
        '        <mj-text align="center">Dear <b>[[customer.firstname]]</b>,<br/>\n  welcome</mj-text>',
        '        <mj-image src="/media/a.png" alt="x > y"/>',
        '        <mj-button href="[[link.subscription]]">Go</mj-button>',
        '      </mj-column>',
        '    </mj-section>',
        '  </mj-body>',
        '</mjml>',
      ].join('\n'),
    );
  });
  it('is stable: formatting formatted MJML changes nothing', () => {
    const once = formatMjml(
      '<mjml><mj-body><mj-section><mj-column><mj-text>a</mj-text></mj-column></mj-section></mj-body></mjml>',
    );
    expect(formatMjml(once)).toBe(once);
  });
  it('keeps comments and stray text on their own lines', () => {
    expect(formatMjml('<mjml><!-- note --><mj-body></mj-body></mjml>')).toBe(
      '<mjml>\n  <!-- note -->\n  <mj-body></mj-body>\n</mjml>',
    );
  });
});
