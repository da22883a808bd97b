import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  builtInMergeFields,
  compileTemplate,
  knownFieldTest,
  type MergeMode,
  mergeCatalogue,
  mergeValues,
  parseMerge,
} from './index.js';

const catalogue = mergeCatalogue([{ entity: 'person', key: 'shoeSize', label: 'Shoe size' }]);
const isKnown = knownFieldTest(catalogue);

function render(source: string, values: Record<string, string> = {}, mode: MergeMode = 'text'): string {
  const { program, errors } = compileTemplate(source, mode, { isKnown });
  if (!program) throw new Error(JSON.stringify(errors));
  return program.render(values, { now: Date.UTC(2026, 10, 26, 9, 5, 7) });
}

function errorsOf(source: string) {
  return parseMerge(source, { isKnown }).errors;
}

const kari = mergeValues({
  registered: true,
  name: 'Kari Nordmann',
  email: 'kari@fjordfisk.no',
  firstName: 'Kari',
  lastName: 'Nordmann',
  salutation: 'Ms',
  title: 'CEO',
  mobile: '+4791234567',
  company: {
    name: 'Fjord Fisk AS',
    address: 'Bryggen 1',
    domain: 'fjordfisk.no',
    email: null,
    phone: null,
    ourContact: { name: 'Eva Selger', email: 'eva@posthorn.example', phone: null, mobile: null },
  },
  custom: { shoeSize: '38' },
});

describe('the merge language', () => {
  it('tags resolve from the recipient; a known tag with no value renders empty', () => {
    expect(render('Hei [[customer.firstname]] [[customer.lastname]] ([[company.name]])', kari)).toBe(
      'Hei Kari Nordmann (Fjord Fisk AS)',
    );
    expect(render('[[customer.title]]|[[customer.middlename]]|', kari)).toBe('CEO||');
    expect(render('[[company.ourContact.name]] / [[ourContact.email]]', kari)).toBe(
      'Eva Selger / eva@posthorn.example',
    );
    expect(render('[[customer.mrmrs]] [[customer.custom.shoeSize]]', kari)).toBe('Ms 38');
  });

  it('tag names are case-insensitive, as in SuperOffice', () => {
    expect(render('[[Customer.FirstName]] [[CUSTOMER.BESTNAME]]', kari)).toBe('Kari Kari Nordmann');
  });

  it('unregistered recipients resolve only name and e-mail', () => {
    const values = mergeValues({ registered: false, name: 'Imported Ida', email: 'ida@example.com' });
    expect(
      render('[[customer.name]] <[[customer.email]]> [[customer.firstname]][[company.name]]!', values),
    ).toBe('Imported Ida <ida@example.com> !');
  });

  it('values are HTML-escaped in HTML and never in text', () => {
    const values = { 'customer.firstname': '<b>"Tom" & Jerry\'s</b>' };
    expect(render('<p>[[customer.firstname]]</p>', values, 'html')).toBe(
      '<p>&lt;b&gt;&quot;Tom&quot; &amp; Jerry&#39;s&lt;/b&gt;</p>',
    );
    expect(render('[[customer.firstname]]', values, 'text')).toBe('<b>"Tom" & Jerry\'s</b>');
  });

  it('a header value cannot start a new header line', () => {
    const values = { 'customer.firstname': 'Kari\r\nBcc: evil@example.com' };
    expect(render('Hello [[customer.firstname]]', values, 'header')).toBe('Hello Kari Bcc: evil@example.com');
  });

  it('IF / ELSEIF / ELSE / ENDIF choose one branch, nested, comparing case-insensitively', () => {
    const t =
      '[[IF:customer.title="ceo"]]Boss[[IF:company.name="Fjord Fisk AS"]] of fish[[ENDIF]][[ELSEIF:customer.title="CTO"]]Tech[[ELSE]]Friend[[ENDIF]]';
    expect(render(t, kari)).toBe('Boss of fish');
    expect(render(t, { 'customer.title': 'cto' })).toBe('Tech');
    expect(render(t, {})).toBe('Friend');
    expect(render('[[IF:customer.title!="CEO"]]x[[ELSE]]y[[ENDIF]]', kari)).toBe('y');
    expect(render('[[IF:customer.title<>"CEO"]]x[[ELSE]]y[[ENDIF]]', {})).toBe('x');
    expect(render('[[IF:customer.title]]has title[[ENDIF]]', kari)).toBe('has title');
    expect(render('[[IF:customer.title]]has title[[ENDIF]]', {})).toBe('');
  });

  it('InEmailClient and isWebPage are flags for IF', () => {
    const t = '[[IF:isWebPage="1"]]web[[ELSE]]mail[[ENDIF]]';
    const { program } = compileTemplate(t, 'text', { isKnown });
    expect(program?.render({}, { isWebPage: true })).toBe('web');
    expect(program?.render({}, { inEmailClient: true })).toBe('mail');
  });

  it('DECODE maps values with a default', () => {
    const t = '[[DECODE:customer.salutation,"Ms","Dear madam","Mr","Dear sir","Dear customer"]]';
    expect(render(t, kari)).toBe('Dear madam');
    expect(render(t, { 'customer.salutation': 'Mr' })).toBe('Dear sir');
    expect(render(t, {})).toBe('Dear customer');
    expect(render('[[DECODE:customer.salutation,"Ms","x"]]', {})).toBe('');
  });

  it('SET, INC and DEC keep per-recipient variables', () => {
    const t = '[[SET:n="5"]][[INC:n]][[INC:n]][[DEC:n]][[n]]|[[SET:greet=customer.firstname]][[greet]]';
    expect(render(t, kari)).toBe('6|Kari');
    // a fresh recipient starts from scratch
    const { program } = compileTemplate('[[INC:counter]][[counter]]', 'text', { isKnown });
    expect(program?.render({})).toBe('1');
    expect(program?.render({})).toBe('1');
  });

  it('FORMAT-DATE formats dates, "today" comes from the clock, bad dates render empty', () => {
    expect(render('[[FORMAT-DATE:"2026-03-09","YY4-MM2-DD2"]]')).toBe('2026-03-09');
    expect(render('[[FORMAT-DATE:"2026-03-09T14:07:00Z","DD.MM.YY2 HH2:MI2"]]')).toBe('9.3.26 14:07');
    expect(render('[[FORMAT-DATE:"today","DD2/MM2/YY4"]]')).toBe('26/11/2026');
    expect(render('[[FORMAT-DATE:"not a date","YY4"]]')).toBe('');
    expect(
      render('[[FORMAT-DATE:customer.custom.shoeSize,"YY4"]]', { 'customer.custom.shoesize': 'x' }),
    ).toBe('');
  });

  it('SEC-TO-TIME formats seconds', () => {
    expect(render('[[SEC-TO-TIME:"3723","h:mm:ss"]]')).toBe('1:02:03');
    expect(render('[[SEC-TO-TIME:"3723","m:ss"]]')).toBe('62:03');
    expect(render('[[SEC-TO-TIME:"abc","h:m:s"]]')).toBe('');
  });

  describe('every error names its line and column', () => {
    it.each([
      ['Hi [[customer.firstname', 'MERGE_UNCLOSED_TAG', 1, 4],
      ['line\n  [[customer.shoe]]', 'MERGE_UNKNOWN_TAG', 2, 3],
      ['[[IF:customer.title="x"]]open', 'MERGE_UNCLOSED_IF', 1, 1],
      ['x\n[[ENDIF]]', 'MERGE_UNEXPECTED_ENDIF', 2, 1],
      ['[[ELSE]]', 'MERGE_UNEXPECTED_ELSE', 1, 1],
      ['[[ELSEIF:customer.title="x"]]', 'MERGE_UNEXPECTED_ELSEIF', 1, 1],
      ['[[IF:customer.title="a"]][[ELSE]][[ELSE]][[ENDIF]]', 'MERGE_DUPLICATE_ELSE', 1, 34],
      [
        '[[IF:customer.title="a"]][[ELSE]][[ELSEIF:customer.title="b"]][[ENDIF]]',
        'MERGE_ELSEIF_AFTER_ELSE',
        1,
        34,
      ],
      ['[[IF:]]x[[ENDIF]]', 'MERGE_BAD_ARGUMENTS', 1, 1],
      ['[[DECODE:customer.title]]', 'MERGE_BAD_ARGUMENTS', 1, 1],
      ['[[DECODE:customer.title,"a,"b"]]', 'MERGE_BAD_ARGUMENTS', 1, 1],
      ['[[SET:="x"]]', 'MERGE_BAD_ARGUMENTS', 1, 1],
      ['[[INC:not valid]]', 'MERGE_BAD_ARGUMENTS', 1, 1],
      ['[[FORMAT-DATE:"2026-01-01"]]', 'MERGE_BAD_ARGUMENTS', 1, 1],
      ['[[SEC-TO-TIME:"1","h","m"]]', 'MERGE_BAD_ARGUMENTS', 1, 1],
      ['[[FOO:bar]]', 'MERGE_SYNTAX', 1, 1],
      ['[[IF:nosuch.field="x"]][[ENDIF]]', 'MERGE_UNKNOWN_TAG', 1, 1],
      ['[[#link:1]]', 'MERGE_SYNTAX', 1, 1],
    ])('%j → %s', (source, code, line, column) => {
      expect(errorsOf(source)).toContainEqual(expect.objectContaining({ code, line, column }));
    });
  });

  it('10,000 nested IFs are refused with a clear error, not a stack overflow', () => {
    const source = `${'[[IF:customer.title="x"]]'.repeat(10_000)}deep${'[[ENDIF]]'.repeat(10_000)}`;
    const errors = errorsOf(source);
    expect(errors[0]?.code).toBe('MERGE_NESTING_TOO_DEEP');
  });

  it('the internal link marker renders the tracked URL per recipient', () => {
    const { program, errors } = compileTemplate('<a href="[[#link:3]]">x</a>', 'html', {
      isKnown,
      internal: true,
    });
    expect(errors).toEqual([]);
    expect(program?.links).toEqual([3]);
    expect(program?.render({}, { linkUrl: (n) => `https://p.example/t/c/tok/${n}?a=1&b=2` })).toBe(
      '<a href="https://p.example/t/c/tok/3?a=1&amp;b=2">x</a>',
    );
  });

  it('rendering to bytes gives exactly the UTF-8 of the rendered string, growing a small scratch buffer', () => {
    const t =
      '<p>Hei [[customer.firstname]] – [[IF:customer.title="CEO"]]sjef[[ELSE]]venn[[ENDIF]] ✓ [[#link:2]]</p>'.repeat(
        50,
      );
    const { program } = compileTemplate(t, 'html', { isKnown, internal: true });
    const values = { 'customer.firstname': 'Åse & <Bjørn> 😀', 'customer.title': 'ceo' };
    const context = { linkUrl: (n: number) => `https://x.example/${n}?a=1&b=2` };
    const text = program?.render(values, context) ?? '';
    const { buffer, length } = program?.renderBytes(values, context, Buffer.alloc(16)) ?? {
      buffer: Buffer.alloc(0),
      length: 0,
    };
    expect(buffer.subarray(0, length).toString('utf8')).toBe(text);
    expect(length).toBe(Buffer.byteLength(text));
    // the per-recipient link prefix gives the same bytes as a link function
    const prefix = 'https://x.example/t/c/tok&1/';
    const viaPrefix = program?.renderBytes(values, { linkPrefix: prefix }, Buffer.alloc(8));
    const viaFunction = program?.render(values, { linkUrl: (n) => `${prefix}${n}` });
    expect(viaPrefix?.buffer.subarray(0, viaPrefix.length).toString('utf8')).toBe(viaFunction);
    expect(viaFunction).toContain('tok&amp;1/2');
  });

  it('the catalogue lists every built-in field and the custom fields', () => {
    expect(catalogue.length).toBe(builtInMergeFields.length + 1);
    expect(isKnown('customer.custom.shoesize')).toBe(true);
    expect(isKnown('link.subscription')).toBe(true);
  });

  describe('properties', () => {
    const fields = builtInMergeFields.map((f) => f.name.toLowerCase());
    const template = [
      '<p>[[customer.firstname]] [[customer.lastname]]</p>',
      '[[IF:customer.title="CEO"]]<b>[[company.name]]</b>[[ELSE]][[customer.bestName]][[ENDIF]]',
      '[[DECODE:customer.salutation,"Ms","a","b"]][[SET:x=customer.email]][[INC:n]][[x]]',
      '[[FORMAT-DATE:customer.custom.shoeSize,"YY4"]][[SEC-TO-TIME:customer.title,"h:mm"]]',
    ].join('\n');
    const anyValues = fc.dictionary(
      fc.constantFrom(...fields, 'customer.custom.shoesize'),
      fc.string({ unit: 'binary' }),
    );

    it('rendering never throws for any recipient data', () => {
      const programs = (['html', 'text', 'header'] as const).map(
        (mode) => compileTemplate(template, mode, { isKnown }).program,
      );
      fc.assert(
        fc.property(anyValues, (values) => {
          for (const p of programs) expect(typeof p?.render(values)).toBe('string');
        }),
      );
    });

    it('no recipient value can inject markup in HTML', () => {
      const { program } = compileTemplate(
        '<p title="[[customer.title]]">[[customer.firstname]]</p>',
        'html',
        {
          isKnown,
        },
      );
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (title, first) => {
          const html = program?.render({ 'customer.title': title, 'customer.firstname': first }) ?? '';
          // exactly the template's own markup remains: one element, one attribute, no extra quote
          expect(html.match(/[<>]/g)?.length).toBe(4);
          expect(html.match(/"/g)?.length).toBe(2);
        }),
      );
    });

    it('no recipient value can inject a header line', () => {
      const { program } = compileTemplate('News for [[customer.firstname]] at [[company.name]]', 'header', {
        isKnown,
      });
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
          const subject = program?.render({ 'customer.firstname': a, 'company.name': b }) ?? '';
          expect(subject).not.toMatch(/[\r\n\u2028\u2029\u0085\0]/);
        }),
      );
    });

    it('parsing never throws for any template text', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (s) => {
          const r = parseMerge(`[[${s}]]${s}[[IF:${s}]]`, { isKnown });
          expect(Array.isArray(r.errors)).toBe(true);
        }),
      );
    });
  });
});
