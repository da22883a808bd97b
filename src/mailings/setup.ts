import { z } from 'zod';
import { validateEmail } from '../addresses/index.js';
import { checkSmsSender } from '../channels/sms/index.js';
import { mergePatch, parseMerged, patchSchemaOf } from '../core/index.js';
import { type Channel, capabilityMatrix, requireCapability } from './channels.js';

const nameField = z.string().trim().max(200).default('');
const addressField = z.string().trim().max(254).default('');

/** E-mail and form-response setup (PRODUCT.md §5). */
export const emailSetupSchema = z.strictObject({
  subject: z.string().max(998).default(''),
  preheader: z.string().max(500).default(''),
  from: z
    .strictObject({
      /** `always`: name+address; `ourContact`: our contact where specified (on a validated sending domain), else name+address. */
      rule: z.enum(['always', 'ourContact']).default('always'),
      name: nameField,
      address: addressField,
    })
    .default({ rule: 'always', name: '', address: '' }),
  replyTo: z
    .strictObject({
      rule: z.enum(['sameAsFrom', 'own']).default('sameAsFrom'),
      name: nameField,
      address: addressField,
    })
    .default({ rule: 'sameAsFrom', name: '', address: '' }),
  tracking: z
    .strictObject({
      opens: z.boolean().default(true),
      allLinks: z.boolean().default(true),
      utm: z
        .strictObject({
          enabled: z.boolean().default(false),
          source: z.string().trim().max(100).default(''),
          campaign: z.string().trim().max(100).default(''),
        })
        .default({ enabled: false, source: '', campaign: '' }),
    })
    .default({ opens: true, allLinks: true, utm: { enabled: false, source: '', campaign: '' } }),
  /** Registered tracked links this mailing uses: an `<a href>` with that URL is tracked as that link. */
  trackedLinkIds: z.array(z.number().int().positive()).max(500).default([]),
});

export const smsSetupSchema = z.strictObject({
  sender: z.string().trim().max(20).default(''),
  /** Recipients should be able to reply: the sender must then be a phone number. */
  allowReplies: z.boolean().default(false),
});

export const documentSetupSchema = z.strictObject({
  heading: z.string().max(300).default(''),
  attention: z
    .strictObject({
      /** `ifNoneDefined`: the recipient's name, else the text; `always`: the text. */
      rule: z.enum(['ifNoneDefined', 'always']).default('ifNoneDefined'),
      text: z.string().max(200).default(''),
    })
    .default({ rule: 'ifNoneDefined', text: '' }),
  ourReference: z.string().max(200).default(''),
  senderBlock: z.string().max(1000).default(''),
});

export const recipientOptionsSchema = z.strictObject({
  onePerAddress: z.boolean().default(true),
  overrideConsent: z.boolean().default(false),
  includeCompanies: z.boolean().default(false),
  preferCompany: z.boolean().default(false),
  updateListWhenSending: z.boolean().default(false),
});

/**
 * A merge patch of the recipient options: only the options named change; `null` puts one back
 * to the channel's default.
 */
export const recipientOptionsPatch = patchSchemaOf(recipientOptionsSchema, { nullResets: true });

export type EmailSetup = z.infer<typeof emailSetupSchema>;
export type SmsSetup = z.infer<typeof smsSetupSchema>;
export type DocumentSetup = z.infer<typeof documentSetupSchema>;
export type RecipientOptions = z.infer<typeof recipientOptionsSchema>;
export type ChannelSetup = EmailSetup | SmsSetup | DocumentSetup;

export function setupSchemaOf(channel: Channel) {
  return channel === 'sms' ? smsSetupSchema : channel === 'document' ? documentSetupSchema : emailSetupSchema;
}

/**
 * Applies a merge patch (RFC 7396) to a setup after checking it against the capability matrix:
 * e.g. tracking options on an SMS mailing are refused with `CHANNEL_CAPABILITY_MISSING`, not
 * silently dropped. Nested objects (from, replyTo, tracking.utm) merge at every depth, so
 * `{ tracking: { utm: { enabled: true } } }` keeps the UTM source and campaign; `null` puts a
 * member back to its default; arrays (trackedLinkIds) replace whole. The merged setup is
 * validated whole (`SETUP_INVALID` names the field).
 */
export function applySetupPatch(
  channel: Channel,
  current: unknown,
  patch: Record<string, unknown>,
): ChannelSetup {
  const caps = capabilityMatrix[channel];
  if (!caps.trackedLinks && ('tracking' in patch || 'trackedLinkIds' in patch))
    requireCapability(channel, 'trackedLinks', 'setup.tracking');
  return parseMerged(setupSchemaOf(channel), mergePatch(current, patch), 'setup', 'SETUP_INVALID');
}

/**
 * Applies a merge patch to the recipient options: only the options named change, `null` puts
 * one back to the channel's default. Turning on what the channel cannot do is refused.
 */
export function applyRecipientOptionsPatch(
  channel: Channel,
  current: RecipientOptions,
  patch: z.output<typeof recipientOptionsPatch>,
): RecipientOptions {
  if (patch.includeCompanies || patch.preferCompany)
    requireCapability(channel, 'includeCompanies', 'recipientOptions');
  if (patch.overrideConsent)
    requireCapability(channel, 'overrideConsent', 'recipientOptions.overrideConsent');
  if (patch.updateListWhenSending)
    requireCapability(channel, 'refreshOnSend', 'recipientOptions.updateListWhenSending');
  if (patch.onePerAddress && !capabilityMatrix[channel].onePerAddress)
    requireCapability(channel, 'onePerAddress', 'recipientOptions.onePerAddress');
  const merged = mergePatch(current, patch) as Partial<RecipientOptions>;
  // a removed (nulled) option takes the channel's default, not the schema's
  return parseMerged(
    recipientOptionsSchema,
    { ...defaultRecipientOptions(channel), ...merged },
    'recipientOptions',
    'RECIPIENT_OPTIONS_INVALID',
  );
}

/** Defaults for a new mailing of a channel. */
export function defaultRecipientOptions(channel: Channel): RecipientOptions {
  return recipientOptionsSchema.parse({ onePerAddress: capabilityMatrix[channel].onePerAddress });
}

export interface StepError {
  field: string;
  code: string;
  message: string;
}

/** What is missing or wrong in the Setup step (complete when empty). */
export function setupErrors(channel: Channel, name: string, setup: ChannelSetup): StepError[] {
  const errors: StepError[] = [];
  if (name.trim() === '')
    errors.push({ field: 'name', code: 'REQUIRED', message: 'the mailing needs a name' });
  if (channel === 'email' || channel === 'formResponse') {
    const s = setup as EmailSetup;
    if (s.subject.trim() === '')
      errors.push({ field: 'setup.subject', code: 'REQUIRED', message: 'the subject is empty' });
    if (s.from.address === '')
      errors.push({ field: 'setup.from.address', code: 'REQUIRED', message: 'the From address is empty' });
    else if (!validateEmail(s.from.address).valid)
      errors.push({
        field: 'setup.from.address',
        code: 'INVALID_EMAIL',
        message: `"${s.from.address}" is not a valid address`,
      });
    if (s.replyTo.rule === 'own' && !validateEmail(s.replyTo.address).valid)
      errors.push({
        field: 'setup.replyTo.address',
        code: 'INVALID_EMAIL',
        message: 'the Reply-to address is not valid',
      });
    if (s.tracking.utm.enabled && (s.tracking.utm.source === '' || s.tracking.utm.campaign === ''))
      errors.push({
        field: 'setup.tracking.utm',
        code: 'REQUIRED',
        message: 'UTM tags need a source and a campaign',
      });
  } else if (channel === 'sms') {
    const s = setup as SmsSetup;
    const check = checkSmsSender(s.sender);
    if (!check.ok) errors.push({ field: 'setup.sender', code: 'INVALID_SMS_SENDER', message: check.reason });
    else if (s.allowReplies && !check.numeric)
      errors.push({
        field: 'setup.sender',
        code: 'SMS_SENDER_NOT_REPLYABLE',
        message: 'recipients can reply only to a phone number: use a number as sender, or turn replies off',
      });
  } else {
    const s = setup as DocumentSetup;
    if (s.heading.trim() === '')
      errors.push({ field: 'setup.heading', code: 'REQUIRED', message: 'the letter needs a heading' });
  }
  return errors;
}
