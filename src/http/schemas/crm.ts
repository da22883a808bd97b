import { z } from 'zod';
import { consentPurposes, criterionSchema, legalBases } from '../../crm/index.js';
import { Timestamp } from './common.js';

/**
 * Answers of the CRM routes: companies, persons, their subscriptions and consent, custom fields,
 * subscription types, interests, selections and projects. The shapes follow the domain types of
 * src/crm (`Person`, `Company`, `Selection`, …).
 */

export const customValueSchema = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .meta({ id: 'CustomValue', description: 'The value of a custom field (a date is epoch ms)' });

/** Custom field values by key. */
const customValues = z.record(z.string(), customValueSchema);

export const companySummarySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    street: z.string().nullable(),
    postcode: z.string().nullable(),
    city: z.string().nullable(),
    country: z.string().nullable(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    domain: z.string().nullable(),
    ourContactId: z.number().int().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'CompanySummary', description: 'A company as lists show it' });

export const companySchema = companySummarySchema
  .extend({ personCount: z.number().int(), customFields: customValues })
  .meta({ id: 'Company', description: 'A company with its person count and custom fields' });

export const personSummarySchema = z
  .object({
    id: z.number().int(),
    firstName: z.string(),
    middleName: z.string().nullable(),
    lastName: z.string(),
    /** The full name. */
    name: z.string(),
    /** The primary e-mail address. */
    email: z.string().nullable(),
    mobile: z.string().nullable(),
    companyId: z.number().int().nullable(),
    companyName: z.string().nullable(),
    city: z.string().nullable(),
  })
  .meta({ id: 'PersonSummary', description: 'A person as lists show it' });

const postalAddress = z.object({
  street: z.string().nullable(),
  postcode: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
});

export const personSchema = personSummarySchema
  .extend({
    title: z.string().nullable(),
    salutation: z.string().nullable(),
    emails: z.array(z.object({ email: z.string(), primary: z.boolean() })),
    street: z.string().nullable(),
    postcode: z.string().nullable(),
    country: z.string().nullable(),
    postalAddress: postalAddress.meta({
      description: "The address to write to: the person's own, or else the company's",
    }),
    language: z.string().nullable(),
    ourContactId: z.number().int().nullable(),
    noMailings: z.boolean(),
    formerEmployee: z.boolean(),
    customFields: customValues,
    interests: z.array(z.string()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Person', description: 'A person with all addresses, custom fields and interests' });

export const subscriptionSchema = z
  .object({
    subscriptionTypeId: z.number().int(),
    subscriptionTypeName: z.string(),
    status: z.enum(['active', 'cancelled']),
    source: z.string(),
    changedAt: Timestamp,
  })
  .meta({ id: 'Subscription', description: "A person's subscription to a subscription type" });

export const consentRecordSchema = z
  .object({
    id: z.number().int(),
    // plain strings, as in the domain type `ConsentRecord`: the enums bind the input only
    purpose: z.string().meta({ description: `One of ${consentPurposes.join(', ')}` }),
    legalBasis: z.string().meta({ description: `One of ${legalBases.join(', ')}` }),
    source: z.string(),
    recordedAt: Timestamp,
    /** The user who recorded it; null for an API key, the system or the person themselves. */
    recordedBy: z.number().int().nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'ConsentRecord', description: 'Consent (or its withdrawal) for a purpose, as recorded' });

export const consentsSchema = z
  .object({
    /** The latest record per purpose. */
    current: z.array(consentRecordSchema),
    /** Every record, newest first. */
    history: z.array(consentRecordSchema),
  })
  .meta({
    id: 'Consents',
    description: "A person's consent: the current record per purpose and the history",
  });

export const customFieldSchema = z
  .object({
    id: z.number().int(),
    entity: z.enum(['person', 'company']),
    key: z.string(),
    label: z.string(),
    type: z.enum(['text', 'number', 'date', 'boolean']),
  })
  .meta({ id: 'CustomField', description: 'The definition of a custom field' });

export const subscriptionTypeSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    /** Persons with an active subscription. */
    activeCount: z.number().int(),
  })
  .meta({ id: 'SubscriptionType', description: 'A subscription type with its active subscriber count' });

export const interestSchema = z
  .object({ id: z.number().int(), name: z.string(), personCount: z.number().int() })
  .meta({ id: 'Interest', description: 'An interest with the number of persons who have it' });

export const selectionSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    kind: z.enum(['static', 'dynamic']),
    memberType: z.enum(['persons', 'companies']),
    /** The criteria tree of a dynamic selection (the named recursive `Criterion`); null for a static one. */
    criteria: criterionSchema.nullable(),
    memberCount: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Null in lists for dynamic selections, and when the criteria are unreadable' }),
    criteriaError: z.object({ code: z.string(), message: z.string() }).optional().meta({
      description:
        'Set when the stored criteria cannot be read; the selection can then be fixed (PATCH) or deleted',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Selection', description: 'A static or dynamic selection of persons or companies' });

export const selectionMemberSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    email: z.string().nullable(),
    companyName: z.string().nullable(),
  })
  .meta({ id: 'SelectionMember', description: 'A person (or company) in a selection' });

export const projectSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    // a plain string, as in the domain type `Project`: the enum binds the input only
    status: z.string().meta({ description: 'planned, inProgress, completed or stopped' }),
    description: z.string().nullable(),
    memberCount: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Project', description: 'A project with its member count' });

export const projectMemberSchema = z
  .object({
    personId: z.number().int(),
    name: z.string(),
    email: z.string().nullable(),
    companyName: z.string().nullable(),
    role: z.string().nullable(),
    addedAt: Timestamp,
  })
  .meta({ id: 'ProjectMember', description: 'A person in a project, with their role' });

export const countSchema = z.object({ count: z.number().int() });
export const addedSchema = z.object({ added: z.number().int() });
export const removedSchema = z.object({ removed: z.number().int() });
