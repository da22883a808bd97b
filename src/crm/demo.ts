import type { Kysely } from 'kysely';
import type { AccessService } from '../access/index.js';
import { validateEmail, validateMobile } from '../addresses/index.js';
import { type Actor, type Clock, conflict, searchKey, seededRandom } from '../core/index.js';
import type { BulkWriter, Database } from '../storage/index.js';
import type { CustomFieldsService } from './custom-fields.service.js';
import { nameKeys } from './persons.service.js';
import type { PreferencesService } from './preferences.service.js';
import type { ProjectsService } from './projects.service.js';
import type { SelectionsService } from './selections.service.js';

const firstNames = {
  NO: [
    'Kari',
    'Ola',
    'Ingrid',
    'Lars',
    'Sigrid',
    'Håkon',
    'Astrid',
    'Magnus',
    'Nora',
    'Jonas',
    'Solveig',
    'Eirik',
    'Marit',
    'Torbjørn',
  ],
  SE: ['Anna', 'Erik', 'Maja', 'Johan', 'Elsa', 'Gustav', 'Linnea', 'Oskar', 'Saga', 'Nils', 'Ebba', 'Björn'],
  DK: ['Mette', 'Søren', 'Freja', 'Mikkel', 'Ida', 'Rasmus', 'Sofie', 'Anders', 'Karen', 'Jens'],
  FI: ['Aino', 'Mikko', 'Helmi', 'Juha', 'Sanna', 'Väinö', 'Leena', 'Pekka', 'Eveliina', 'Ilkka'],
};
const lastNames = {
  NO: [
    'Hansen',
    'Johansen',
    'Olsen',
    'Larsen',
    'Haugen',
    'Berg',
    'Dahl',
    'Strand',
    'Bakken',
    'Solberg',
    'Lie',
    'Sæther',
  ],
  SE: [
    'Andersson',
    'Johansson',
    'Karlsson',
    'Nilsson',
    'Lindqvist',
    'Berglund',
    'Sjöberg',
    'Åkesson',
    'Holm',
    'Lund',
  ],
  DK: ['Nielsen', 'Jensen', 'Pedersen', 'Sørensen', 'Rasmussen', 'Christensen', 'Møller', 'Kjær'],
  FI: ['Virtanen', 'Korhonen', 'Mäkinen', 'Nieminen', 'Heikkinen', 'Koskinen', 'Järvinen', 'Lehtonen'],
};
const places = {
  NO: [
    ['Oslo', '0150'],
    ['Bergen', '5003'],
    ['Trondheim', '7011'],
    ['Stavanger', '4006'],
    ['Tromsø', '9008'],
    ['Ålesund', '6002'],
  ],
  SE: [
    ['Stockholm', '111 20'],
    ['Göteborg', '411 03'],
    ['Malmö', '211 20'],
    ['Uppsala', '753 10'],
    ['Umeå', '903 26'],
  ],
  DK: [
    ['København', '1050'],
    ['Aarhus', '8000'],
    ['Odense', '5000'],
    ['Aalborg', '9000'],
  ],
  FI: [
    ['Helsinki', '00100'],
    ['Tampere', '33100'],
    ['Turku', '20100'],
    ['Oulu', '90100'],
  ],
};
const countryName = { NO: 'Norway', SE: 'Sweden', DK: 'Denmark', FI: 'Finland' } as const;
const streets = {
  NO: ['Storgata', 'Kirkegata', 'Strandgaten', 'Bryggen', 'Kongens gate', 'Fjordveien'],
  SE: ['Drottninggatan', 'Kungsgatan', 'Storgatan', 'Sveavägen', 'Hamngatan'],
  DK: ['Strøget', 'Vestergade', 'Nørregade', 'Havnegade', 'Østergade'],
  FI: ['Mannerheimintie', 'Hämeenkatu', 'Aleksanterinkatu', 'Rantakatu'],
};
/**
 * Mobile numbers as the countries allocate them: the mobile ranges' prefixes and the national
 * number's length (Norway: 8 digits, 4[015-8]… or 9…; Sweden: 9, 7[02369]…; Denmark: 8; Finland:
 * 9 for 4x/50). Each generated number is checked with libphonenumber as the build checks it.
 */
const mobilePlan = {
  NO: { country: '47', prefixes: ['9', '41', '45', '46', '47', '48'], digits: 8 },
  SE: { country: '46', prefixes: ['70', '72', '73', '76'], digits: 9 },
  DK: { country: '45', prefixes: ['20', '30', '40', '50'], digits: 8 },
  FI: { country: '358', prefixes: ['40', '50'], digits: 9 },
} as const;

/** A valid mobile number of the country (E.164), drawn from `r`. */
function demoMobile(country: keyof typeof mobilePlan, r: () => number): string {
  const plan = mobilePlan[country];
  for (let attempt = 0; attempt < 100; attempt++) {
    const prefix = plan.prefixes[Math.floor(r() * plan.prefixes.length)] as string;
    const rest = plan.digits - prefix.length;
    const number = `+${plan.country}${prefix}${String(Math.floor(r() * 10 ** rest)).padStart(rest, '0')}`;
    // a few sub-ranges inside a prefix are not allocated: drawn again (rare; never more than a few times)
    const v = validateMobile(number, country);
    if (v.valid) return v.e164;
  }
  throw new Error(`no valid demo mobile number for ${country}: check mobilePlan`);
}
const companyWords = [
  'Fjord',
  'Nord',
  'Havbris',
  'Granskog',
  'Polar',
  'Vinter',
  'Midnatt',
  'Bølge',
  'Fjell',
  'Tind',
  'Sjø',
  'Ljus',
  'Björk',
  'Ek',
  'Ulv',
  'Ravn',
];
const companyTrades = [
  'Fisk',
  'Design',
  'Data',
  'Bygg',
  'Energi',
  'Reiser',
  'Kaffe',
  'Media',
  'Møbler',
  'Logistikk',
  'Helse',
  'Mat',
];
const legalForm = { NO: 'AS', SE: 'AB', DK: 'ApS', FI: 'Oy' } as const;
type Country = keyof typeof countryName;
const countries: Country[] = ['NO', 'NO', 'NO', 'SE', 'SE', 'DK', 'FI'];

/** Nordic letters as they are written in e-mail addresses and domains (ø → o, æ → ae, å → a). */
function ascii(text: string): string {
  return text
    .toLowerCase()
    .replace(/ø/g, 'o')
    .replace(/æ/g, 'ae')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

export interface DemoSummary {
  users: number;
  companies: number;
  persons: number;
  invalidEmails: number;
  withoutMobile: number;
  withoutConsent: number;
  unsubscribed: number;
  subscriptionTypes: number;
  selections: number;
  projects: number;
}

export interface DemoDependencies {
  db: Kysely<Database>;
  bulk: BulkWriter;
  clock: Clock;
  access: AccessService;
  customFields: CustomFieldsService;
  preferences: PreferencesService;
  selections: SelectionsService;
  projects: ProjectsService;
}

/**
 * Loads a realistic, deterministic sample CRM into an empty database: about 2,000 persons at 300
 * Nordic companies, with some invalid e-mail addresses (as CRMs hold them), persons without a
 * mobile, without consent or unsubscribed, four subscription types, static and dynamic selections
 * and three projects. Refused when the CRM already has persons.
 */
export async function loadDemo(
  deps: DemoDependencies,
  actor: Actor,
  options: { persons?: number } = {},
): Promise<DemoSummary> {
  const { db, bulk, clock } = deps;
  const existing = await db.selectFrom('persons').select('id').limit(1).executeTakeFirst();
  if (existing)
    throw conflict('DEMO_NOT_EMPTY', 'the CRM already has persons; the demo loads into an empty database');
  const r = seededRandom(20261126);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  const personCount = options.persons ?? 2000;
  const companyCount = Math.max(1, Math.round(personCount / 6.6));
  const now = clock.now();
  const summary: DemoSummary = {
    users: 0,
    companies: companyCount,
    persons: personCount,
    invalidEmails: 0,
    withoutMobile: 0,
    withoutConsent: 0,
    unsubscribed: 0,
    subscriptionTypes: 0,
    selections: 0,
    projects: 3,
  };

  // our contacts: employees who own companies and persons
  const contacts: number[] = [];
  for (const [name, email] of [
    ['Siri Marketing', 'siri@posthorn.demo'],
    ['Anders Salg', 'anders@posthorn.demo'],
    ['Linnea Key Account', 'linnea@posthorn.demo'],
    ['Mikko Support', 'mikko@posthorn.demo'],
  ] as const) {
    const exists = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    contacts.push(
      exists
        ? exists.id
        : (await deps.access.createUser({ email, name, role: 'marketer', mobile: null }, actor)).id,
    );
    if (!exists) summary.users++;
  }

  const types: number[] = [];
  for (const [name, description] of [
    ['Newsletter', 'The monthly newsletter'],
    ['Product news', 'New products and releases'],
    ['Events', 'Invitations to fairs, seminars and webinars'],
    ['Offers', 'Campaigns and special offers'],
  ] as const) {
    const t = await db
      .selectFrom('subscription_types')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    types.push(t ? t.id : (await deps.preferences.createSubscriptionType({ name, description }, actor)).id);
  }
  summary.subscriptionTypes = types.length;
  const [newsletter, productNews, events, offers] = types as [number, number, number, number];

  const fields = await deps.customFields.list();
  if (!fields.some((f) => f.entity === 'person' && f.key === 'customerLevel')) {
    await deps.customFields.create(
      { entity: 'person', key: 'customerLevel', label: 'Customer level', type: 'text' },
      actor,
    );
  }
  if (!fields.some((f) => f.entity === 'company' && f.key === 'employees')) {
    await deps.customFields.create(
      { entity: 'company', key: 'employees', label: 'Employees', type: 'number' },
      actor,
    );
  }
  const levelField = (await deps.customFields.list('person')).find((f) => f.key === 'customerLevel')?.id ?? 0;
  const employeesField =
    (await deps.customFields.list('company')).find((f) => f.key === 'employees')?.id ?? 0;
  const interestNames = ['Sailing', 'Skiing', 'Coffee', 'Design', 'Sustainability', 'Travel'];
  const interestIds: number[] = [];
  for (const name of interestNames) {
    await db
      .insertInto('interests')
      .values({ name, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    interestIds.push(
      (await db.selectFrom('interests').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id,
    );
  }

  await db.transaction().execute(async (trx) => {
    // companies
    const companyRows = Array.from({ length: companyCount }, (_, i) => {
      const country = pick(countries);
      const [city, postcode] = pick(places[country]) as [string, string];
      const name = `${companyWords[i % companyWords.length]} ${companyTrades[Math.floor(i / companyWords.length) % companyTrades.length]} ${legalForm[country]}${i >= companyWords.length * companyTrades.length ? ` ${i}` : ''}`;
      const domain = `${ascii(name.replace(/ (AS|AB|ApS|Oy)\b.*$/, '')).replace(/[^a-z0-9]+/g, '')}${i >= companyWords.length * companyTrades.length ? i : ''}.${country.toLowerCase()}`;
      return {
        name,
        name_key: searchKey(name),
        street: `${pick(streets[country])} ${1 + Math.floor(r() * 80)}`,
        postcode,
        city,
        country: countryName[country],
        phone: null,
        email: r() < 0.8 ? `post@${domain}` : null,
        domain,
        our_contact_id: pick(contacts),
        created_at: now,
        updated_at: now,
      };
    });
    const companies = await bulk.insert(trx, 'companies', companyRows, ['id', 'name_key']);
    const companyIds = companies.map((c) => Number(c.id));
    const companyById = new Map(companyRows.map((c, i) => [companyIds[i] ?? 0, c]));
    await bulk.insert(
      trx,
      'custom_values',
      companyIds.map((id) => {
        const n = 5 + Math.floor(r() * 500);
        return { field_id: employeesField, owner_id: id, value_text: String(n), value_number: n };
      }),
    );

    // persons
    const personRows = [];
    const meta: Array<{ email: string | null; key: string | null; invalid: boolean }> = [];
    for (let i = 0; i < personCount; i++) {
      const companyId = r() < 0.93 ? pick(companyIds) : null;
      const company = companyId === null ? undefined : companyById.get(companyId);
      const country: Country = company
        ? ((Object.entries(countryName).find(([, v]) => v === company.country)?.[0] as Country) ?? 'NO')
        : pick(countries);
      const first = pick(firstNames[country]);
      const last = pick(lastNames[country]);
      const local = ascii(`${first}.${last}`).replace(/[^a-z.]/g, '');
      const domain =
        company?.domain ?? pick(['gmail.com', 'outlook.com', 'online.no', 'telia.se', 'yahoo.dk']);
      let email: string | null = `${local}${i % 7 === 0 ? i : ''}@${domain}`;
      let invalid = false;
      if (i % 53 === 7) {
        // as CRMs hold them: typed wrong, never validated
        email = pick([
          `${local}@@${domain}`,
          `${local}@${domain.replace('.', ',')}`,
          `${local} @${domain}`,
          `${local}@`,
        ]);
        invalid = true;
        summary.invalidEmails++;
      } else if (i % 97 === 3) email = null;
      const valid = email !== null && !invalid ? validateEmail(email) : null;
      const hasMobile = r() >= 0.15;
      if (!hasMobile) summary.withoutMobile++;
      const mobile = hasMobile ? demoMobile(country, r) : null;
      const ownAddress = company === undefined || r() < 0.1;
      const [city, postcode] =
        company && !ownAddress ? [null, null] : (pick(places[country]) as [string, string]);
      personRows.push({
        company_id: companyId,
        first_name: first,
        middle_name: null,
        last_name: last,
        ...nameKeys(first, null, last),
        title:
          r() < 0.3
            ? pick(['CEO', 'Marketing manager', 'Buyer', 'CTO', 'Sales manager', 'Consultant'])
            : null,
        salutation: null,
        email: valid?.valid ? valid.address : email,
        email_key: valid?.valid ? valid.key : email === null ? null : email.toLowerCase(),
        mobile,
        street: ownAddress ? `${pick(streets[country])} ${1 + Math.floor(r() * 120)}` : null,
        postcode,
        city,
        country: ownAddress ? countryName[country] : null,
        language: { NO: 'nb', SE: 'sv', DK: 'da', FI: 'fi' }[country],
        our_contact_id: r() < 0.5 ? pick(contacts) : null,
        no_mailings: (i % 151 === 11 ? 1 : 0) as 0 | 1,
        former_employee: (i % 67 === 13 ? 1 : 0) as 0 | 1,
        created_at: now - Math.floor(r() * 3 * 365 * 86_400_000),
        updated_at: now,
      });
      meta.push({ email: personRows[i]?.email ?? null, key: personRows[i]?.email_key ?? null, invalid });
    }
    const persons = await bulk.insert(trx, 'persons', personRows, ['id']);
    const personIds = persons.map((p) => Number(p.id));
    await bulk.insert(
      trx,
      'person_emails',
      personIds.flatMap((id, i) => {
        const m = meta[i];
        return m?.email && m.key
          ? [{ person_id: id, email: m.email, email_key: m.key, is_primary: 1 as const }]
          : [];
      }),
    );

    // consent, subscriptions, interests, custom values
    const consents = [];
    const current = [];
    const subscriptions = [];
    const personInterests = [];
    const levels = [];
    for (const [i, id] of personIds.entries()) {
      const c = r();
      const basis = c < 0.7 ? 'consent' : c < 0.8 ? 'legitimateInterest' : c < 0.85 ? 'withdrawn' : null;
      if (basis === null) summary.withoutConsent++;
      else {
        const at = now - Math.floor(r() * 365 * 86_400_000);
        const source = pick(['form', 'import', 'manual']);
        consents.push({
          person_id: id,
          purpose: 'emarketing',
          legal_basis: basis,
          source,
          recorded_at: at,
          recorded_by: null,
          note: null,
        });
        current.push({ person_id: id, purpose: 'emarketing', legal_basis: basis, source, recorded_at: at });
      }
      const s = r();
      if (s < 0.6)
        subscriptions.push({
          person_id: id,
          subscription_type_id: newsletter,
          status: 'active' as const,
          source: 'form',
          changed_at: now,
        });
      else if (s < 0.67) {
        subscriptions.push({
          person_id: id,
          subscription_type_id: newsletter,
          status: 'cancelled' as const,
          source: 'unsubscribe',
          changed_at: now,
        });
        summary.unsubscribed++;
      }
      if (r() < 0.35)
        subscriptions.push({
          person_id: id,
          subscription_type_id: productNews,
          status: 'active' as const,
          source: 'form',
          changed_at: now,
        });
      if (r() < 0.25)
        subscriptions.push({
          person_id: id,
          subscription_type_id: events,
          status: 'active' as const,
          source: 'import',
          changed_at: now,
        });
      if (r() < 0.2)
        subscriptions.push({
          person_id: id,
          subscription_type_id: offers,
          status: r() < 0.8 ? ('active' as const) : ('cancelled' as const),
          source: 'manual',
          changed_at: now,
        });
      for (const interest of interestIds)
        if (r() < 0.15) personInterests.push({ person_id: id, interest_id: interest, added_at: now });
      if (i % 3 === 0) {
        const level = pick(['Gold', 'Silver', 'Bronze']);
        levels.push({ field_id: levelField, owner_id: id, value_text: level, value_number: null });
      }
    }
    await bulk.insert(trx, 'consents', consents);
    await bulk.insert(trx, 'consents_current', current);
    await bulk.insert(trx, 'subscriptions', subscriptions);
    await bulk.insert(trx, 'person_interests', personInterests);
    await bulk.insert(trx, 'custom_values', levels);
  });

  // selections and projects through the services, so they are validated and audited
  const personIds = (await db.selectFrom('persons').select('id').orderBy('id').execute()).map((p) => p.id);
  const vip = await deps.selections.create(
    { name: 'VIP customers', kind: 'static', description: 'Hand-picked' },
    actor,
  );
  await deps.selections.addMembers(
    vip.id,
    personIds.filter((_, i) => i % 40 === 0),
    actor,
  );
  await deps.selections.create(
    {
      name: 'Newsletter subscribers in Norway',
      kind: 'dynamic',
      criteria: {
        type: 'group',
        op: 'and',
        children: [
          { type: 'subscription', subscriptionTypeId: newsletter, active: true },
          { type: 'field', entity: 'company', field: 'country', op: 'eq', value: 'Norway' },
        ],
      },
    },
    actor,
  );
  await deps.selections.create(
    {
      name: 'Oslo and Bergen with e-marketing consent',
      kind: 'dynamic',
      criteria: {
        type: 'group',
        op: 'and',
        children: [
          {
            type: 'group',
            op: 'or',
            children: [
              { type: 'field', entity: 'company', field: 'city', op: 'in', value: ['Oslo', 'Bergen'] },
              { type: 'field', entity: 'person', field: 'city', op: 'in', value: ['Oslo', 'Bergen'] },
            ],
          },
          { type: 'consent', purpose: 'emarketing', state: 'active' },
        ],
      },
    },
    actor,
  );
  await deps.selections.create(
    {
      name: 'Gold customers who like sailing',
      kind: 'dynamic',
      criteria: {
        type: 'group',
        op: 'and',
        children: [
          { type: 'customField', entity: 'person', key: 'customerLevel', op: 'eq', value: 'Gold' },
          { type: 'interest', interest: 'Sailing', has: true },
        ],
      },
    },
    actor,
  );
  const keyAccounts = await deps.selections.create(
    { name: 'Key accounts', kind: 'static', memberType: 'companies' },
    actor,
  );
  const companyIds = (await db.selectFrom('companies').select('id').orderBy('id').limit(25).execute()).map(
    (c) => c.id,
  );
  await deps.selections.addMembers(keyAccounts.id, companyIds, actor);
  summary.selections = 5;

  const projects: Array<[string, 'planned' | 'inProgress' | 'completed', number, string]> = [
    ['Nordic Design Fair 2027', 'planned', 7, 'guest'],
    ['Customer survey 2026', 'inProgress', 11, 'respondent'],
    ['Launch: Posthorn Pro', 'completed', 17, 'beta tester'],
  ];
  for (const [name, status, every, role] of projects) {
    const p = await deps.projects.create({ name, status, description: `Demo project: ${name}` }, actor);
    await deps.projects.addMembers(
      p.id,
      { personIds: personIds.filter((_, i) => i % every === 1), role },
      actor,
    );
  }
  await deps.access.record(actor, 'demo.load', 'crm', null, { ...summary });
  return summary;
}
