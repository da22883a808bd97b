import { invalid } from '../../core/index.js';

/**
 * Import targets: what a column can be mapped to. `custom.<key>`, `consent.<purpose>` and
 * `subscription.<type name>` name a custom field, a consent purpose and a subscription type.
 */
export const importFields = [
  'email',
  'firstName',
  'middleName',
  'lastName',
  'title',
  'salutation',
  'mobile',
  'street',
  'postcode',
  'city',
  'country',
  'language',
  'company',
  'noMailings',
  'formerEmployee',
  'interests',
] as const;
export type ImportField =
  | (typeof importFields)[number]
  | `custom.${string}`
  | `consent.${string}`
  | `subscription.${string}`;

/** Header spellings recognised without a mapping (English and Scandinavian, as CRMs export them). */
const synonyms: Record<(typeof importFields)[number], string[]> = {
  email: [
    'email',
    'e-mail',
    'emailaddress',
    'e-mailaddress',
    'mail',
    'epost',
    'e-post',
    'epostadresse',
    'mejl',
  ],
  firstName: ['firstname', 'first', 'givenname', 'fornavn', 'förnamn', 'fornamn'],
  middleName: ['middlename', 'mellomnavn', 'mellannamn'],
  lastName: ['lastname', 'last', 'surname', 'familyname', 'etternavn', 'efternavn', 'efternamn'],
  title: ['title', 'jobtitle', 'tittel', 'titel'],
  salutation: ['salutation', 'mrms', 'tiltale'],
  mobile: ['mobile', 'mobilephone', 'cellphone', 'cell', 'mobil', 'mobiltelefon', 'mobilnummer'],
  street: ['street', 'address', 'streetaddress', 'adresse', 'gateadresse', 'gatuadress', 'adress'],
  postcode: ['postcode', 'zip', 'zipcode', 'postalcode', 'postnummer', 'postnr'],
  city: ['city', 'town', 'poststed', 'by', 'ort', 'sted'],
  country: ['country', 'land'],
  language: ['language', 'språk', 'sprog', 'sprak'],
  company: [
    'company',
    'companyname',
    'organisation',
    'organization',
    'firma',
    'bedrift',
    'foretak',
    'företag',
  ],
  noMailings: ['nomailings', 'nomailing', 'donotmail', 'ingenutsendelser'],
  formerEmployee: ['formeremployee', 'sluttet', 'tidligereansatt'],
  interests: ['interests', 'interesser', 'intressen'],
};

const lookup = new Map<string, ImportField>();
for (const [field, names] of Object.entries(synonyms)) {
  for (const n of names) lookup.set(normaliseHeader(n), field as ImportField);
}

export function normaliseHeader(header: string): string {
  return header
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\s_\-.]+/g, '')
    .trim();
}

export interface ColumnMapping {
  /** One entry per column of the file, in order: the field it fills, or null when ignored. */
  columns: Array<{ header: string; field: ImportField | null }>;
  ignored: string[];
}

function isKnownField(field: string): field is ImportField {
  return (
    (importFields as readonly string[]).includes(field) ||
    /^custom\.[a-z][a-zA-Z0-9_]*$/.test(field) ||
    /^consent\.(emarketing|salesService)$/.test(field) ||
    /^subscription\..+$/.test(field)
  );
}

/**
 * Maps the file's headers to fields: the explicit mapping (header → field, or null to ignore) wins,
 * then the header itself when it is a field name (`custom.size`, `consent.emarketing`), then the
 * synonyms. Mapping a header that is not in the file, to an unknown field, or two columns to one
 * field is refused with the header named. Consent and subscription columns are applied only when
 * they are mapped, explicitly or by their exact `consent.` / `subscription.` header.
 */
export function mapColumns(headers: string[], explicit: Record<string, string | null> = {}): ColumnMapping {
  const byNormal = new Map(headers.map((h) => [normaliseHeader(h), h]));
  for (const key of Object.keys(explicit)) {
    if (!headers.includes(key) && !byNormal.has(normaliseHeader(key))) {
      throw invalid(
        'IMPORT_MAPPING_UNKNOWN_COLUMN',
        `the mapping names column "${key}", which the file does not have`,
        {
          field: `mapping.${key}`,
          columns: headers,
        },
      );
    }
  }
  const explicitByNormal = new Map(Object.entries(explicit).map(([k, v]) => [normaliseHeader(k), v]));
  const used = new Map<string, string>();
  const columns = headers.map((header) => {
    const n = normaliseHeader(header);
    let field: ImportField | null = null;
    if (explicitByNormal.has(n)) {
      const target = explicitByNormal.get(n) ?? null;
      if (target !== null && !isKnownField(target)) {
        throw invalid(
          'IMPORT_MAPPING_UNKNOWN_FIELD',
          `column "${header}" is mapped to "${target}", which is not a field`,
          {
            field: `mapping.${header}`,
            fields: importFields,
          },
        );
      }
      field = target;
    } else if (isKnownField(header.trim())) {
      field = header.trim() as ImportField;
    } else {
      field = lookup.get(n) ?? null;
    }
    if (field !== null) {
      const other = used.get(field);
      if (other !== undefined) {
        throw invalid('IMPORT_MAPPING_DUPLICATE', `columns "${other}" and "${header}" both map to ${field}`, {
          field: `mapping.${header}`,
        });
      }
      used.set(field, header);
    }
    return { header, field };
  });
  if (!used.has('email')) {
    throw invalid(
      'IMPORT_NO_EMAIL_COLUMN',
      'no column holds the e-mail address (persons are matched by e-mail)',
      {
        columns: headers,
        hint: 'name the column "email" or map it: --map "Your header=email"',
      },
    );
  }
  return { columns, ignored: columns.filter((c) => c.field === null).map((c) => c.header) };
}
