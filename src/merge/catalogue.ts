/**
 * The variable catalogue of the merge language (served at `/api/v1/merge-fields`) and the one
 * function that turns a recipient's CRM data into merge values. Unregistered recipients (imported
 * rows not in the CRM) resolve only `customer.name` and `customer.email`; everything else is empty.
 */
export interface MergeField {
  name: string;
  description: string;
  example: string;
  group: 'customer' | 'company' | 'ourContact' | 'link' | 'flag';
}

const contactParts = [
  ['name', 'Name', 'Eva Selger'],
  ['email', 'E-mail', 'eva@posthorn.example'],
  ['phone', 'Phone', '+47 22 00 00 00'],
  ['cellphone', 'Mobile', '+47 900 00 000'],
] as const;

export const builtInMergeFields: readonly MergeField[] = [
  { name: 'customer.firstname', description: 'First name', example: 'Kari', group: 'customer' },
  { name: 'customer.middlename', description: 'Middle name', example: '', group: 'customer' },
  { name: 'customer.lastname', description: 'Last name', example: 'Nordmann', group: 'customer' },
  {
    name: 'customer.name',
    description: 'Full name (unregistered: the imported name)',
    example: 'Kari Nordmann',
    group: 'customer',
  },
  {
    name: 'customer.bestName',
    description: 'Full name, or the e-mail address when there is no name',
    example: 'Kari Nordmann',
    group: 'customer',
  },
  {
    name: 'customer.salutation',
    description: 'Salutation as stored (Mr/Ms)',
    example: 'Ms',
    group: 'customer',
  },
  {
    name: 'customer.mrmrs',
    description: '"Mr" or "Ms" from the salutation',
    example: 'Ms',
    group: 'customer',
  },
  { name: 'customer.title', description: 'Job title', example: 'Purchasing manager', group: 'customer' },
  {
    name: 'customer.email',
    description: "The recipient's address for this mailing",
    example: 'kari@fjordfisk.no',
    group: 'customer',
  },
  {
    name: 'customer.cellphone',
    description: 'Mobile number (E.164)',
    example: '+4791234567',
    group: 'customer',
  },
  { name: 'customer.language', description: 'Language', example: 'nb', group: 'customer' },
  {
    name: 'customer.adr',
    description: 'Postal address (falls back to the company address)',
    example: 'Bryggen 1\n5003 Bergen',
    group: 'customer',
  },
  { name: 'company.name', description: 'Company name', example: 'Fjord Fisk AS', group: 'company' },
  {
    name: 'company.adr',
    description: 'Company postal address',
    example: 'Bryggen 1\n5003 Bergen',
    group: 'company',
  },
  { name: 'company.domain', description: 'Company web domain', example: 'fjordfisk.no', group: 'company' },
  { name: 'company.email', description: 'Company e-mail', example: 'post@fjordfisk.no', group: 'company' },
  { name: 'company.phone', description: 'Company phone', example: '+47 55 00 00 00', group: 'company' },
  ...contactParts.map(([k, d, e]) => ({
    name: `company.ourContact.${k}`,
    description: `Our contact for the company: ${d.toLowerCase()}`,
    example: e,
    group: 'company' as const,
  })),
  ...contactParts.map(([k, d, e]) => ({
    name: `company.ourSalesContact.${k}`,
    description: `Our sales contact for the company: ${d.toLowerCase()}`,
    example: e,
    group: 'company' as const,
  })),
  ...contactParts.map(([k, d, e]) => ({
    name: `ourContact.${k}`,
    description: `Our contact for the person (else the company's): ${d.toLowerCase()}`,
    example: e,
    group: 'ourContact' as const,
  })),
  {
    name: 'link.subscription',
    description: 'Unsubscribe from this mailing’s subscription type (one click)',
    example: 'https://…/t/u/…',
    group: 'link',
  },
  {
    name: 'link.manageSubscriptions',
    description: 'Manage subscriptions page',
    example: 'https://…/t/m/…',
    group: 'link',
  },
  {
    name: 'link.viewShipmentMessage',
    description: 'View this mailing online',
    example: 'https://…/t/v/…',
    group: 'link',
  },
  {
    name: 'InEmailClient',
    description: 'Flag for IF: "1" when rendered for the e-mail client',
    example: '1',
    group: 'flag',
  },
  {
    name: 'isWebPage',
    description: 'Flag for IF: "1" when rendered as the online view',
    example: '0',
    group: 'flag',
  },
];

export interface CustomFieldRef {
  entity: 'person' | 'company';
  key: string;
  label: string;
}

/** The whole catalogue: built-in fields plus `customer.custom.<key>` / `company.custom.<key>`. */
export function mergeCatalogue(customFields: readonly CustomFieldRef[]): MergeField[] {
  return [
    ...builtInMergeFields,
    ...customFields.map((f) => ({
      name: `${f.entity === 'person' ? 'customer' : 'company'}.custom.${f.key}`,
      description: `Custom field: ${f.label}`,
      example: '',
      group: f.entity === 'person' ? ('customer' as const) : ('company' as const),
    })),
  ];
}

/** A membership test for the parser (names compared lower-cased). */
export function knownFieldTest(catalogue: readonly MergeField[]): (name: string) => boolean {
  const names = new Set(catalogue.map((f) => f.name.toLowerCase()));
  return (name) => names.has(name.toLowerCase());
}

export interface ContactData {
  name: string;
  email: string | null;
  phone: string | null;
  mobile: string | null;
}

/** What the recipients module reads for one recipient (one SQL row, joined). */
export interface MergeData {
  registered: boolean;
  /** The recipient's name (imported name for unregistered rows). */
  name: string | null;
  /** The address this mailing goes to (e-mail, or mobile for SMS). */
  email: string | null;
  mobile?: string | null | undefined;
  firstName?: string | null | undefined;
  middleName?: string | null | undefined;
  lastName?: string | null | undefined;
  title?: string | null | undefined;
  salutation?: string | null | undefined;
  language?: string | null | undefined;
  address?: string | null | undefined;
  company?:
    | {
        name: string;
        address: string | null;
        domain: string | null;
        email: string | null;
        phone: string | null;
        ourContact: ContactData | null;
        custom?: Record<string, string | null> | undefined;
      }
    | null
    | undefined;
  ourContact?: ContactData | null | undefined;
  custom?: Record<string, string | null> | undefined;
  links?: { subscription?: string; manageSubscriptions?: string; viewOnline?: string } | undefined;
}

function mrmrs(salutation: string | null | undefined): string {
  const s = (salutation ?? '').trim().toLowerCase();
  if (/^(mr|herr|hr)\.?$/.test(s)) return 'Mr';
  if (/^(ms|mrs|miss|fru|frk)\.?$/.test(s)) return 'Ms';
  return '';
}

function putContact(values: Record<string, string>, prefix: string, c: ContactData | null | undefined): void {
  if (!c) return;
  values[`${prefix}.name`] = c.name;
  values[`${prefix}.email`] = c.email ?? '';
  values[`${prefix}.phone`] = c.phone ?? '';
  values[`${prefix}.cellphone`] = c.mobile ?? '';
}

/** Merge values for one recipient, keyed by lower-cased tag name. */
export function mergeValues(d: MergeData): Record<string, string> {
  const name = d.name ?? '';
  const values: Record<string, string> = {
    'customer.name': name,
    'customer.email': d.email ?? '',
    'customer.bestname': name !== '' ? name : (d.email ?? ''),
  };
  const links = d.links;
  if (links) {
    values['link.subscription'] = links.subscription ?? '';
    values['link.managesubscriptions'] = links.manageSubscriptions ?? '';
    values['link.viewshipmentmessage'] = links.viewOnline ?? '';
  }
  if (!d.registered) return values;
  values['customer.firstname'] = d.firstName ?? '';
  values['customer.middlename'] = d.middleName ?? '';
  values['customer.lastname'] = d.lastName ?? '';
  values['customer.salutation'] = d.salutation ?? '';
  values['customer.mrmrs'] = mrmrs(d.salutation);
  values['customer.title'] = d.title ?? '';
  values['customer.cellphone'] = d.mobile ?? '';
  values['customer.language'] = d.language ?? '';
  values['customer.adr'] = d.address ?? d.company?.address ?? '';
  if (d.custom)
    for (const [k, v] of Object.entries(d.custom)) values[`customer.custom.${k.toLowerCase()}`] = v ?? '';
  const c = d.company;
  if (c) {
    values['company.name'] = c.name;
    values['company.adr'] = c.address ?? '';
    values['company.domain'] = c.domain ?? '';
    values['company.email'] = c.email ?? '';
    values['company.phone'] = c.phone ?? '';
    putContact(values, 'company.ourcontact', c.ourContact);
    putContact(values, 'company.oursalescontact', c.ourContact);
    if (c.custom)
      for (const [k, v] of Object.entries(c.custom)) values[`company.custom.${k.toLowerCase()}`] = v ?? '';
  }
  putContact(values, 'ourcontact', d.ourContact ?? c?.ourContact);
  return values;
}
