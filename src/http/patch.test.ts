import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openTestApp, type TestApp } from '../../test/helpers/app.js';
import { engines } from '../../test/helpers/databases.js';
import { admin } from '../../test/helpers/services.js';
import { isPlainObject } from '../core/index.js';
import { routeTable } from './routes/index.js';

/**
 * Every PATCH is a merge patch: a member given changes, an omitted one never does. Generated from
 * the route table: each PATCH route has a fixture (a test fails when one has none) that creates the
 * resource with every field set, not to its default, and names another value for every member of
 * the body (every member of nested objects too). Each member is then patched alone, and the whole
 * resource read back must differ in that member only. `null` is tried on every member the body
 * schema lets through (it must clear the field, or put it back to its default) and on every other
 * top-level member (a 400 that names it).
 */

type Json = Record<string, unknown>;
type Path = readonly string[];

interface Api {
  send(method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }>;
  /** The answer's body, failing the test unless the status is `status`. */
  ok(method: string, url: string, body?: unknown, status?: number): Promise<Json>;
}

/** What the fixtures share: the things a resource refers to (two of each, to move between). */
interface Shared {
  folders: Record<'mailing' | 'template' | 'link', [number, number]>;
  users: [number, number];
  companies: [number, number];
  subscriptionTypes: [number, number];
  selections: [number, number];
  projects: [number, number];
  trackedLinks: [number, number];
  unique(): string;
}

/** A member the resource does not show (a removed member of a template's setup, a cleared custom field). */
const ABSENT = Symbol('absent');

interface Case {
  name: string;
  /** Creates the resource with every field set, none to its default; answers its id (null: a singleton). */
  create(api: Api, s: Shared): Promise<number | null>;
  /** Reads the resource as the API shows it (default: GET the PATCH route's URL). */
  read?(api: Api, id: number | null): Promise<Json>;
  /** Another value for every member of the body (nested objects: every member, each patched alone). */
  other(s: Shared): Json;
  /** Members patched whole though they are objects (a criteria tree is a value). */
  atomic?: string[];
  /** How the resource shows a member that it shows otherwise than the body writes it. */
  shows?: Record<string, (resource: Json) => unknown>;
  /** Read-only fields that follow a member (a person's `name` follows `firstName`). */
  derived?: Record<string, string[]>;
  /** Members the resource never shows (a password): only "nothing else changed" is checked. */
  hidden?: string[];
  /** What `null` makes of a member (default: null); also members inside records the schema cannot list. */
  nullBecomes?: Record<string, unknown>;
  /** Members whose `null` the service refuses with a 400 naming them. */
  nullRefused?: string[];
}

/** Change with every patch (a timestamp, a version counter): never compared. */
const volatile = ['updatedAt', 'revision'];

const emailSetup = (s: Shared) => ({
  subject: 'Spring news',
  preheader: 'All that is new',
  from: { rule: 'ourContact', name: 'Posthorn', address: 'news@posthorn.example' },
  replyTo: { rule: 'own', name: 'Desk', address: 'desk@posthorn.example' },
  tracking: { opens: false, allLinks: false, utm: { enabled: true, source: 'posthorn', campaign: 'spring' } },
  trackedLinkIds: [s.trackedLinks[0]],
});
const otherEmailSetup = (s: Shared) => ({
  subject: 'Autumn news',
  preheader: 'Some that is new',
  from: { rule: 'always', name: 'Sales', address: 'sales@posthorn.example' },
  replyTo: { rule: 'sameAsFrom', name: 'Support', address: 'support@posthorn.example' },
  tracking: { opens: true, allLinks: true, utm: { enabled: false, source: 'mail', campaign: 'autumn' } },
  trackedLinkIds: [s.trackedLinks[1], s.trackedLinks[0]],
});
const defaultRecipientOptionNulls = (onePerAddress: boolean) => ({
  'recipientOptions.onePerAddress': onePerAddress,
  'recipientOptions.overrideConsent': false,
  'recipientOptions.includeCompanies': false,
  'recipientOptions.preferCompany': false,
  'recipientOptions.updateListWhenSending': false,
});

/** A mailing: POST, then the setup only a PATCH can give (there is no other way to set it). */
const mailingCase = (
  channel: 'email' | 'sms' | 'document',
  full: (s: Shared) => Json,
  other: (s: Shared) => Json,
  nullBecomes: Record<string, unknown>,
): Case => ({
  name: `${channel} mailing`,
  create: async (api, s) => {
    const m = await api.ok(
      'POST',
      '/api/v1/mailings',
      { name: `M ${s.unique()}`, channel, folderId: s.folders.mailing[0] },
      201,
    );
    await api.ok('PATCH', `/api/v1/mailings/${m.id}`, {
      selectionId: s.selections[0],
      projectId: s.projects[0],
      subscriptionTypeId: s.subscriptionTypes[0],
      ...full(s),
    });
    return m.id as number;
  },
  other: (s) => ({
    name: 'Renamed mailing',
    folderId: s.folders.mailing[1],
    selectionId: s.selections[1],
    projectId: s.projects[1],
    subscriptionTypeId: s.subscriptionTypes[1],
    ...other(s),
  }),
  derived: { content: ['contentVersion'] },
  nullBecomes,
});

const fixtures: Record<string, Case[]> = {
  'PATCH /api/v1/settings': [
    {
      name: 'settings',
      create: async (api) => {
        await api.ok('PATCH', '/api/v1/settings', {
          privacyFilter: false,
          bounceThreshold: 7,
          linkExpiryDays: 30,
          onlyApprovedDomains: true,
          expiredLeases: 'hold',
          timeZone: 'Asia/Tokyo',
        });
        return null;
      },
      other: () => ({
        privacyFilter: true,
        bounceThreshold: 9,
        linkExpiryDays: 40,
        onlyApprovedDomains: false,
        expiredLeases: 'resend',
        timeZone: 'America/Sao_Paulo',
      }),
      // null puts a setting back to its default
      nullBecomes: {
        privacyFilter: true,
        bounceThreshold: 5,
        linkExpiryDays: 21,
        onlyApprovedDomains: false,
        expiredLeases: 'resend',
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      },
    },
  ],
  'PATCH /api/v1/users/:id': [
    {
      name: 'user',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/users',
            {
              email: `user-${s.unique()}@posthorn.example`,
              name: 'Ulla User',
              phone: '+47 22 00 00 00',
              mobile: '+47 900 00 000',
              password: 'a long enough password',
              role: 'marketer',
              timeZone: 'Asia/Tokyo',
            },
            201,
          )
        ).id as number,
      other: (s) => ({
        email: `renamed-${s.unique()}@posthorn.example`,
        name: 'Ulla Renamed',
        phone: '+47 22 11 11 11',
        mobile: '+47 911 11 111',
        password: 'another long password',
        role: 'analyst',
        timeZone: 'America/New_York',
        isActive: false,
      }),
      hidden: ['password'],
    },
  ],
  'PATCH /api/v1/companies/:id': [
    {
      name: 'company',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/companies',
            {
              name: 'Nordlys AS',
              street: 'Storgata 1',
              postcode: '0155',
              city: 'Oslo',
              country: 'Norway',
              phone: '+47 22 33 44 55',
              email: 'post@nordlys.example',
              domain: 'nordlys.example',
              ourContactId: s.users[0],
              customFields: { tier: 'Gold', seats: 12 },
            },
            201,
          )
        ).id as number,
      other: (s) => ({
        name: 'Sørlys AS',
        street: 'Kirkegata 2',
        postcode: '4610',
        city: 'Kristiansand',
        country: 'Sweden',
        phone: '+47 38 00 00 00',
        email: 'post@sorlys.example',
        domain: 'sorlys.example',
        ourContactId: s.users[1],
        customFields: { tier: 'Silver', seats: 40 },
      }),
      nullBecomes: { 'customFields.tier': ABSENT, 'customFields.seats': ABSENT },
    },
  ],
  'PATCH /api/v1/persons/:id': [
    {
      name: 'person',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/persons',
            {
              firstName: 'Ida',
              middleName: 'Marie',
              lastName: 'Berg',
              title: 'Director',
              salutation: 'Dear',
              companyId: s.companies[0],
              emails: ['ida@nordlys.example', 'ida.berg@home.example'],
              mobile: '+4791234567',
              street: 'Parkveien 3',
              postcode: '0350',
              city: 'Oslo',
              country: 'Norway',
              language: 'nb',
              ourContactId: s.users[0],
              noMailings: true,
              formerEmployee: true,
              customFields: { level: 'Gold', score: 3 },
              interests: ['Golf', 'Sailing'],
            },
            201,
          )
        ).id as number,
      other: (s) => ({
        firstName: 'Ada',
        middleName: 'Sofie',
        lastName: 'Dahl',
        title: 'Engineer',
        salutation: 'Hi',
        companyId: s.companies[1],
        emails: ['ada@sorlys.example'],
        mobile: '+4798765432',
        street: 'Havnegata 9',
        postcode: '7010',
        city: 'Trondheim',
        country: 'Denmark',
        language: 'en',
        ourContactId: s.users[1],
        noMailings: false,
        formerEmployee: false,
        customFields: { level: 'Silver', score: 8 },
        interests: ['Chess'],
      }),
      shows: { emails: (p) => (p.emails as Array<{ email: string }>).map((e) => e.email) },
      derived: {
        firstName: ['name'],
        middleName: ['name'],
        lastName: ['name'],
        emails: ['email'],
        companyId: ['companyName'],
        street: ['postalAddress'],
        postcode: ['postalAddress'],
        city: ['postalAddress'],
        country: ['postalAddress'],
      },
      nullBecomes: { 'customFields.level': ABSENT, 'customFields.score': ABSENT },
    },
  ],
  'PATCH /api/v1/subscription-types/:id': [
    {
      name: 'subscription type',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/subscription-types',
            { name: `Type ${s.unique()}`, description: 'Monthly' },
            201,
          )
        ).id as number,
      other: (s) => ({ name: `Renamed ${s.unique()}`, description: 'Weekly' }),
    },
  ],
  'PATCH /api/v1/selections/:id': [
    {
      name: 'dynamic selection',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/selections',
            {
              name: `Oslo ${s.unique()}`,
              description: 'Persons in Oslo',
              kind: 'dynamic',
              memberType: 'companies',
              criteria: { type: 'field', entity: 'company', field: 'city', op: 'eq', value: 'Oslo' },
            },
            201,
          )
        ).id as number,
      other: () => ({
        name: 'Bergen',
        description: 'Companies in Bergen',
        criteria: {
          type: 'group',
          op: 'or',
          children: [{ type: 'field', entity: 'company', field: 'city', op: 'eq', value: 'Bergen' }],
        },
      }),
      atomic: ['criteria'],
      derived: { criteria: ['memberCount'] },
      // a dynamic selection needs criteria (an empty group, everyone, has to be asked for)
      nullRefused: ['criteria'],
    },
    {
      name: 'static selection',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/selections',
            {
              name: `Static ${s.unique()}`,
              description: 'Hand-picked',
              kind: 'static',
              memberType: 'companies',
            },
            201,
          )
        ).id as number,
      other: () => ({ name: 'Picked again', description: 'By hand' }),
    },
  ],
  'PATCH /api/v1/projects/:id': [
    {
      name: 'project',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/projects',
            { name: `Fair ${s.unique()}`, status: 'planned', description: 'The spring fair' },
            201,
          )
        ).id as number,
      other: () => ({ name: 'Autumn fair', status: 'completed', description: 'The autumn fair' }),
    },
  ],
  'PATCH /api/v1/folders/:id': [
    {
      name: 'folder',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/folders',
            { kind: 'mailing', name: 'Campaigns', parentId: s.folders.mailing[0] },
            201,
          )
        ).id as number,
      read: async (api, id) => {
        const list = await api.ok('GET', '/api/v1/folders?kind=mailing');
        return (list.items as Json[]).find((f) => f.id === id) ?? {};
      },
      other: (s) => ({ name: 'Newsletters', parentId: s.folders.mailing[1] }),
    },
  ],
  'PATCH /api/v1/templates/:id': [
    {
      name: 'e-mail template',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/templates',
            {
              name: 'Invitation',
              channel: 'email',
              folderId: s.folders.template[0],
              description: 'For events',
              setup: emailSetup(s),
              content: { format: 'html', source: '<p>Welcome</p>' },
            },
            201,
          )
        ).id as number,
      other: (s) => ({
        name: 'Reminder',
        folderId: s.folders.template[1],
        description: 'For follow-ups',
        setup: otherEmailSetup(s),
        content: { format: 'mjml', source: '<mjml><mj-body></mj-body></mjml>' },
      }),
      // a template carries only the setup fields it names: null removes one
      nullBecomes: {
        'setup.subject': ABSENT,
        'setup.from.name': ABSENT,
        'setup.tracking.utm': ABSENT,
        'setup.trackedLinkIds': ABSENT,
        'content.format': 'mjml',
        'content.source': '',
      },
    },
  ],
  'PATCH /api/v1/tracked-links/:id': [
    {
      name: 'tracked link',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/tracked-links',
            {
              name: 'Register',
              url: 'https://example.com/register',
              folderId: s.folders.link[0],
              actions: [
                { type: 'textPage', text: 'Thank you' },
                { type: 'setInterest', interest: 'Sailing' },
              ],
            },
            201,
          )
        ).id as number,
      other: (s) => ({
        name: 'Program',
        url: 'https://example.com/program',
        folderId: s.folders.link[1],
        actions: [{ type: 'redirect' }],
      }),
    },
  ],
  'PATCH /api/v1/mailings/:id': [
    mailingCase(
      'email',
      (s) => ({
        setup: emailSetup(s),
        recipientOptions: {
          onePerAddress: false,
          overrideConsent: true,
          includeCompanies: true,
          preferCompany: true,
          updateListWhenSending: true,
        },
        content: { format: 'html', source: '<p>Hello</p>' },
      }),
      (s) => ({
        setup: otherEmailSetup(s),
        recipientOptions: {
          onePerAddress: true,
          overrideConsent: false,
          includeCompanies: false,
          preferCompany: false,
          updateListWhenSending: false,
        },
        content: { format: 'mjml', source: '<mjml><mj-body></mj-body></mjml>' },
      }),
      {
        ...defaultRecipientOptionNulls(true),
        'setup.subject': '',
        'setup.from.rule': 'always',
        'setup.replyTo': { rule: 'sameAsFrom', name: '', address: '' },
        'setup.tracking.utm': { enabled: false, source: '', campaign: '' },
        'setup.trackedLinkIds': [],
        'content.format': 'mjml',
        'content.source': '',
      },
    ),
    mailingCase(
      'sms',
      () => ({
        setup: { sender: '4790000000', allowReplies: true },
        recipientOptions: { onePerAddress: false, overrideConsent: true, updateListWhenSending: true },
        content: { text: 'Hei' },
      }),
      () => ({
        setup: { sender: 'Posthorn', allowReplies: false },
        recipientOptions: { onePerAddress: true, overrideConsent: false, updateListWhenSending: false },
        content: { text: 'Hallo' },
      }),
      {
        ...defaultRecipientOptionNulls(true),
        'setup.sender': '',
        'setup.allowReplies': false,
        'content.text': '',
      },
    ),
    mailingCase(
      'document',
      () => ({
        setup: {
          heading: 'Invitation',
          attention: { rule: 'always', text: 'The board' },
          ourReference: 'KN/1',
          senderBlock: 'Posthorn AS',
        },
        recipientOptions: { overrideConsent: true, includeCompanies: true, preferCompany: true },
        content: { body: 'Dear guest' },
      }),
      () => ({
        setup: {
          heading: 'Reminder',
          attention: { rule: 'ifNoneDefined', text: 'The owner' },
          ourReference: 'KN/2',
          senderBlock: 'Posthorn ASA',
        },
        recipientOptions: { overrideConsent: false, includeCompanies: false, preferCompany: false },
        content: { body: 'Dear reader' },
      }),
      // a letter is one per recipient: the channel's default for onePerAddress is false
      {
        ...defaultRecipientOptionNulls(false),
        'setup.attention.rule': 'ifNoneDefined',
        'setup.heading': '',
        'content.body': '',
      },
    ),
  ],
  'PATCH /api/v1/sms-gateways/:id': [
    {
      name: 'SMPP gateway',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/sms-gateways',
            {
              kind: 'smpp',
              name: `SMPP ${s.unique()}`,
              sender: 'Posthorn',
              defaultCountry: 'SE',
              perSecond: 5,
              weight: 3,
              host: 'smpp.example',
              port: 2776,
              tls: true,
              systemId: 'posthorn',
              password: 'secret',
              systemType: 'vma',
              window: 20,
              enquireLinkSeconds: 60,
              responseTimeoutSeconds: 20,
            },
            201,
          )
        ).id as number,
      read: async (api, id) =>
        ((await api.ok('GET', '/api/v1/sms-gateways')).items as Json[]).find((g) => g.id === id) ?? {},
      other: () => ({ active: false }),
    },
  ],
  'PATCH /api/v1/email-accounts/:id': [
    {
      name: 'e-mail account',
      create: async (api, s) =>
        (
          await api.ok(
            'POST',
            '/api/v1/email-accounts',
            {
              name: `Relay ${s.unique()}`,
              host: 'smtp.example',
              port: 2525,
              tls: 'required',
              username: 'posthorn',
              password: 'secret',
              poolSize: 7,
              weight: 4,
              perSecond: 10,
              perMinute: 500,
              perHour: 20_000,
            },
            201,
          )
        ).id as number,
      read: async (api, id) =>
        ((await api.ok('GET', '/api/v1/email-accounts')).items as Json[]).find((a) => a.id === id) ?? {},
      other: () => ({ active: false }),
    },
  ],
};

const patchRoutes = routeTable.filter((r) => r.method === 'PATCH');
const keyOf = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

/** The object shape of a schema under optional/nullable/default wrappers, or null. */
function shapeOf(schema: z.core.SomeType | undefined): Record<string, z.core.SomeType> | null {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault)
    s = s.unwrap();
  return s instanceof z.ZodObject ? s.shape : null;
}

/** Every member path of a body schema: top-level members, and the members of nested objects. */
function schemaPaths(schema: z.core.SomeType | undefined, prefix: Path = []): Path[] {
  const shape = shapeOf(schema);
  if (!shape) return [];
  return Object.entries(shape).flatMap(([k, v]) => [[...prefix, k], ...schemaPaths(v, [...prefix, k])]);
}

/** The leaves of a body: one path per member to patch alone (objects descend; arrays and atomic members do not). */
function leaves(body: Json, atomic: readonly string[], prefix: Path = []): Path[] {
  return Object.entries(body).flatMap(([k, v]) => {
    const path = [...prefix, k];
    return isPlainObject(v) && !atomic.includes(path.join('.')) ? leaves(v, atomic, path) : [path];
  });
}

/** Every path a body names, inner objects included (for the coverage check). */
function allPaths(body: Json, prefix: Path = []): string[] {
  return Object.entries(body).flatMap(([k, v]) => {
    const path = [...prefix, k];
    return [path.join('.'), ...(isPlainObject(v) ? allPaths(v, path) : [])];
  });
}

function at(value: unknown, path: Path): unknown {
  let v = value;
  for (const k of path) {
    if (!isPlainObject(v) || !Object.hasOwn(v, k)) return ABSENT;
    v = v[k];
  }
  return v;
}

function patchAt(path: Path, value: unknown): Json {
  return path.reduceRight<unknown>((inner, k) => ({ [k]: inner }), value) as Json;
}

/** The resource without the member at `path`, the fields that follow it and the volatile ones. */
function without(resource: Json, path: Path, derived: readonly string[]): Json {
  const copy = structuredClone(resource);
  for (const k of [...volatile, ...derived]) delete copy[k];
  let parent: unknown = copy;
  for (const k of path.slice(0, -1)) parent = isPlainObject(parent) ? parent[k] : undefined;
  const last = path[path.length - 1];
  if (isPlainObject(parent) && last !== undefined) delete parent[last];
  return copy;
}

function derivedOf(c: Case, path: Path): string[] {
  return path.flatMap((_, i) => c.derived?.[path.slice(0, i + 1).join('.')] ?? []);
}

describe('PATCH routes and their fixtures', () => {
  it('every PATCH route has a fixture, and every fixture a PATCH route', () => {
    expect(patchRoutes.length).toBeGreaterThanOrEqual(13);
    expect(patchRoutes.map(keyOf).filter((k) => !fixtures[k])).toEqual([]);
    expect(Object.keys(fixtures).filter((k) => !patchRoutes.some((r) => keyOf(r) === k))).toEqual([]);
  });

  it("every member of every PATCH body (nested objects' members too) is patched by some fixture", () => {
    const dummy: Shared = {
      folders: { mailing: [1, 2], template: [1, 2], link: [1, 2] },
      users: [1, 2],
      companies: [1, 2],
      subscriptionTypes: [1, 2],
      selections: [1, 2],
      projects: [1, 2],
      trackedLinks: [1, 2],
      unique: () => 'x',
    };
    const missing: string[] = [];
    for (const r of patchRoutes) {
      const covered = new Set((fixtures[keyOf(r)] ?? []).flatMap((c) => allPaths(c.other(dummy))));
      for (const p of schemaPaths(r.body))
        if (!covered.has(p.join('.'))) missing.push(`${keyOf(r)}: ${p.join('.')}`);
    }
    expect(missing).toEqual([]);
  });
});

describe.each(engines)('PATCH is a merge patch on %s', (engine) => {
  let t: TestApp;
  let api: Api;
  let s: Shared;
  beforeAll(async () => {
    t = await openTestApp(engine);
    const auth = { authorization: `Bearer ${t.adminKey}` };
    api = {
      send: async (method, url, body) => {
        const res = await t.app.inject({
          method: method as 'GET',
          url,
          headers: auth,
          ...(body === undefined ? {} : { payload: body as Json }),
        });
        return { status: res.statusCode, json: res.body === '' ? {} : (res.json() as Json) };
      },
      ok: async (method, url, body, status = 200) => {
        const res = await api.send(method, url, body);
        expect({ request: `${method} ${url}`, status: res.status, body: res.json }).toMatchObject({
          status,
        });
        return res.json;
      },
    };
    const sv = t.services;
    let n = 0;
    const two = async (make: (i: number) => Promise<{ id: number }>): Promise<[number, number]> => [
      (await make(1)).id,
      (await make(2)).id,
    ];
    await sv.customFields.create({ entity: 'person', key: 'level', label: 'Level', type: 'text' }, admin);
    await sv.customFields.create({ entity: 'person', key: 'score', label: 'Score', type: 'number' }, admin);
    await sv.customFields.create({ entity: 'company', key: 'tier', label: 'Tier', type: 'text' }, admin);
    await sv.customFields.create({ entity: 'company', key: 'seats', label: 'Seats', type: 'number' }, admin);
    s = {
      folders: {
        mailing: await two((i) => sv.folders.create({ kind: 'mailing', name: `Mailings ${i}` }, admin)),
        template: await two((i) => sv.folders.create({ kind: 'template', name: `Templates ${i}` }, admin)),
        link: await two((i) => sv.folders.create({ kind: 'link', name: `Links ${i}` }, admin)),
      },
      users: await two((i) =>
        sv.access.createUser(
          { email: `contact${i}@posthorn.example`, name: `Contact ${i}`, role: 'marketer' },
          admin,
        ),
      ),
      companies: await two((i) => sv.companies.create({ name: `Company ${i}` }, admin)),
      subscriptionTypes: await two((i) =>
        sv.preferences.createSubscriptionType({ name: `Letter ${i}` }, admin),
      ),
      selections: await two((i) =>
        sv.selections.create({ name: `Selection ${i}`, kind: 'static', memberType: 'persons' }, admin),
      ),
      projects: await two((i) => sv.projects.create({ name: `Project ${i}` }, admin)),
      trackedLinks: await two((i) =>
        sv.trackedLinks.create({ name: `Link ${i}`, url: `https://example.com/${i}` }, admin),
      ),
      unique: () => {
        n += 1;
        return String(n);
      },
    };
  });
  afterAll(async () => t.dispose());

  const cases = patchRoutes.flatMap((r) =>
    (fixtures[keyOf(r)] ?? []).map((c) => ({ route: r, c, title: `${keyOf(r)} (${c.name})` })),
  );

  const urlOf = (pattern: string, id: number | null) => pattern.replace(':id', String(id));
  const reader = (c: Case, pattern: string) => (id: number | null) =>
    c.read ? c.read(api, id) : api.ok('GET', urlOf(pattern, id));

  it.each(cases)(
    '$title: each member patched alone changes that member and nothing else',
    async ({ route, c }) => {
      const id = await c.create(api, s);
      const read = reader(c, route.url);
      const other = c.other(s);
      for (const path of leaves(other, c.atomic ?? [])) {
        const key = path.join('.');
        const value = at(other, path);
        const before = await read(id);
        const shown = (r: Json) => (c.shows?.[key] ? c.shows[key](r) : at(r, path));
        if (!c.hidden?.includes(key))
          expect({ member: key, before: shown(before) }, 'the fixture must change it').not.toEqual({
            member: key,
            before: value,
          });
        await api.ok('PATCH', urlOf(route.url, id), patchAt(path, value));
        const after = await read(id);
        if (!c.hidden?.includes(key))
          expect({ member: key, now: shown(after) }).toEqual({ member: key, now: value });
        const derived = derivedOf(c, path);
        expect({ patched: key, rest: without(after, path, derived) }).toEqual({
          patched: key,
          rest: without(before, path, derived),
        });
      }
    },
  );

  it.each(cases)(
    '$title: null clears a member or puts it back to its default; where it cannot, 400 names it',
    async ({ route, c }) => {
      const id = await c.create(api, s);
      const read = reader(c, route.url);
      const body = route.body as z.ZodType;
      const fromSchema = schemaPaths(body).map((p) => p.join('.'));
      const paths = [...new Set([...fromSchema, ...Object.keys(c.nullBecomes ?? {})])];
      for (const key of paths) {
        const path = key.split('.');
        const patch = patchAt(path, null);
        const before = await read(id);
        const takesNull = body.safeParse(patch).success;
        if (!takesNull && path.length > 1) continue; // a nested member: its parent's case says it
        if (!takesNull || c.nullRefused?.includes(key)) {
          const res = await api.send('PATCH', urlOf(route.url, id), patch);
          const error = res.json.error as { message: string; details: Json };
          const field = error?.details?.field ?? (error?.details?.issues as Json[] | undefined)?.[0]?.field;
          expect({ member: key, status: res.status, field }).toEqual({
            member: key,
            status: 400,
            field: key,
          });
          expect(error.message.startsWith(`${key}: `), error.message).toBe(true);
          expect({ member: key, resource: await read(id) }).toEqual({ member: key, resource: before });
          continue;
        }
        await api.ok('PATCH', urlOf(route.url, id), patch);
        const after = await read(id);
        const want = c.nullBecomes && key in c.nullBecomes ? c.nullBecomes[key] : null;
        expect({ member: key, now: at(after, path) }).toEqual({ member: key, now: want });
        const derived = derivedOf(c, path);
        expect({ nulled: key, rest: without(after, path, derived) }).toEqual({
          nulled: key,
          rest: without(before, path, derived),
        });
      }
    },
  );
});

describe.each(engines)('PATCH: the reported cases (issue 12) on %s', (engine) => {
  let t: TestApp;
  let auth: Record<string, string>;
  /** An answer: the resource, or `{ error }`. */
  type Answer = Json & { error: { code: string; message: string; details: Json } };
  const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
    const res = await t.app.inject({
      method,
      url,
      headers: auth,
      ...(payload === undefined ? {} : { payload: payload as Json }),
    });
    return { status: res.statusCode, json: res.json() as Answer };
  };
  beforeAll(async () => {
    t = await openTestApp(engine);
    auth = { authorization: `Bearer ${t.adminKey}` };
  });
  afterAll(async () => t.dispose());

  it('settings: a PATCH of one setting leaves privacyFilter, expiredLeases and linkExpiryDays as they were', async () => {
    const set = {
      privacyFilter: false,
      bounceThreshold: 7,
      linkExpiryDays: 30,
      expiredLeases: 'hold',
      timeZone: 'Europe/Oslo',
    };
    expect((await call('PATCH', '/api/v1/settings', set)).status).toBe(200);
    const res = await call('PATCH', '/api/v1/settings', { onlyApprovedDomains: true });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ...set, onlyApprovedDomains: true });
    expect((await call('GET', '/api/v1/settings')).json).toEqual({ ...set, onlyApprovedDomains: true });
  });

  it('template: a PATCH of the name keeps its setup and content', async () => {
    const setup = { subject: 'Welcome', from: { name: 'Events', address: 'events@posthorn.example' } };
    const content = { format: 'html', source: '<p>Hello</p>' };
    const tpl = await call('POST', '/api/v1/templates', {
      name: 'Welcome',
      channel: 'email',
      setup,
      content,
    });
    expect(tpl.status).toBe(201);
    const res = await call('PATCH', `/api/v1/templates/${tpl.json.id}`, { name: 'Welcome back' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'Welcome back', setup, content });
    // a setup member merges in (the rest of `from` stays); null removes one from the template
    const merged = await call('PATCH', `/api/v1/templates/${tpl.json.id}`, {
      setup: { subject: null, from: { address: 'hello@posthorn.example' } },
    });
    expect(merged.json.setup).toEqual({ from: { name: 'Events', address: 'hello@posthorn.example' } });
    expect(merged.json.content).toEqual(content);
  });

  it('tracked link: a PATCH of the name keeps its actions', async () => {
    const actions = [
      { type: 'textPage', text: 'Thank you' },
      { type: 'setInterest', interest: 'Sailing' },
    ];
    const link = await call('POST', '/api/v1/tracked-links', {
      name: 'Register',
      url: 'https://example.com/register',
      actions,
    });
    expect(link.status).toBe(201);
    const res = await call('PATCH', `/api/v1/tracked-links/${link.json.id}`, { name: 'Sign up' });
    expect(res.json).toMatchObject({ name: 'Sign up', url: 'https://example.com/register', actions });
  });

  it('mailing: a PATCH of one recipient option keeps the others', async () => {
    const m = await call('POST', '/api/v1/mailings', { name: 'Options', channel: 'email' });
    const options = {
      onePerAddress: false,
      overrideConsent: true,
      includeCompanies: true,
      preferCompany: true,
      updateListWhenSending: true,
    };
    expect((await call('PATCH', `/api/v1/mailings/${m.json.id}`, { recipientOptions: options })).status).toBe(
      200,
    );
    const res = await call('PATCH', `/api/v1/mailings/${m.json.id}`, {
      recipientOptions: { updateListWhenSending: false },
    });
    expect(res.json.recipientOptions).toEqual({ ...options, updateListWhenSending: false });
    // a letter's recipient options can be changed one at a time too: none of the others is
    // filled in (onePerAddress: true used to be, and a letter cannot have it)
    const letter = await call('POST', '/api/v1/mailings', { name: 'Letter', channel: 'document' });
    const l = await call('PATCH', `/api/v1/mailings/${letter.json.id}`, {
      recipientOptions: { preferCompany: true },
    });
    expect(l.status).toBe(200);
    expect(l.json.recipientOptions).toMatchObject({ onePerAddress: false, preferCompany: true });
  });

  it('mailing: setup merges at every depth and content keeps what is not named', async () => {
    const m = await call('POST', '/api/v1/mailings', { name: 'Deep', channel: 'email' });
    const url = `/api/v1/mailings/${m.json.id}`;
    await call('PATCH', url, {
      setup: { tracking: { utm: { enabled: true, source: 'posthorn', campaign: 'spring' } } },
      content: { format: 'html', source: '<p>A</p>' },
    });
    const res = await call('PATCH', url, {
      setup: { tracking: { opens: false, utm: { enabled: false } } },
      content: { source: '<p>B</p>' },
    });
    expect(res.json.setup).toMatchObject({
      tracking: {
        opens: false,
        allLinks: true,
        utm: { enabled: false, source: 'posthorn', campaign: 'spring' },
      },
    });
    expect(res.json.content).toEqual({ format: 'html', source: '<p>B</p>' });
    const bad = await call('PATCH', url, { setup: { from: { address: 7 } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'SETUP_INVALID', details: { field: 'setup.from.address' } });
  });

  it('null clears a nullable field (and only it); null on a setting or a setup member puts it back to its default', async () => {
    const p = await call('POST', '/api/v1/projects', {
      name: 'Fair',
      status: 'planned',
      description: 'Spring',
    });
    const cleared = await call('PATCH', `/api/v1/projects/${p.json.id}`, { description: null });
    expect(cleared.status).toBe(200);
    expect(cleared.json).toMatchObject({ name: 'Fair', status: 'planned', description: null });

    const sel = await call('POST', '/api/v1/selections', { name: 'All', kind: 'static' });
    const m = await call('POST', '/api/v1/mailings', { name: 'Null', channel: 'email' });
    const url = `/api/v1/mailings/${m.json.id}`;
    await call('PATCH', url, { selectionId: sel.json.id, setup: { subject: 'Hi', preheader: 'There' } });
    const res = await call('PATCH', url, { selectionId: null, setup: { subject: null } });
    expect(res.json).toMatchObject({ selectionId: null, setup: { subject: '', preheader: 'There' } });

    await call('PATCH', '/api/v1/settings', { linkExpiryDays: 30, bounceThreshold: 2 });
    const s = await call('PATCH', '/api/v1/settings', { linkExpiryDays: null });
    expect(s.json).toMatchObject({ linkExpiryDays: 21, bounceThreshold: 2 });

    const name = await call('PATCH', `/api/v1/projects/${p.json.id}`, { name: null });
    expect(name.status).toBe(400);
    expect(name.json.error.message).toMatch(/^name: /);
  });

  it('validation messages name the field plainly', async () => {
    const p = await call('POST', '/api/v1/projects', { name: 'Plain' });
    const empty = await call('PATCH', `/api/v1/projects/${p.json.id}`, { name: '' });
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { in: 'body' } });
    expect(empty.json.error.message).toMatch(/^name: Too small/);
    const notObject = await call('PATCH', `/api/v1/projects/${p.json.id}`, ['x']);
    expect(notObject.json.error.message).toMatch(/^body: /);
    const unknown = await call('PATCH', `/api/v1/projects/${p.json.id}`, { colour: 'red' });
    expect(unknown.json.error.message).toMatch(/^colour: /);
  });

  it('e-mail account and SMS gateway: an empty patch changes nothing', async () => {
    const a = await call('POST', '/api/v1/email-accounts', { name: 'Relay', host: 'smtp.example' });
    await call('PATCH', `/api/v1/email-accounts/${a.json.id}`, { active: false });
    const same = await call('PATCH', `/api/v1/email-accounts/${a.json.id}`, {});
    expect(same.status).toBe(200);
    expect(same.json).toMatchObject({ id: a.json.id, active: false });
    const g = await call('POST', '/api/v1/sms-gateways', { kind: 'outbox', name: 'Outbox' });
    const gSame = await call('PATCH', `/api/v1/sms-gateways/${g.json.id}`, {});
    expect(gSame.json).toMatchObject({ id: g.json.id, active: true });
    expect((await call('PATCH', '/api/v1/sms-gateways/98765', {})).status).toBe(404);
  });
});
