import { z } from 'zod';
import {
  channels,
  documentContentSchema,
  documentSetupSchema,
  emailContentSchema,
  emailSetupSchema,
  folderKinds,
  linkActionSchema,
  mailingStates,
  recipientOptionsSchema,
  smsContentSchema,
  smsSetupSchema,
} from '../../mailings/index.js';
import { Id, itemsOf, pageOf, Timestamp } from './common.js';

/**
 * Answers of the mailing routes: mailings and their wizard, templates, folders, tracked links,
 * images, the merge catalogue, the SMS counter and settings. The shapes follow src/mailings
 * (`Mailing`, `Template`, `Folder`, `TrackedLink`, `Image`, `AuditFinding`, `RenderedEmail`, …);
 * setup, content and settings reuse the domain's own zod schemas, which is what the service
 * parses its stored JSON with.
 */

const channel = z.enum(channels);
const state = z.enum(mailingStates);

// the domain schemas under their names (a `.meta` copy: the domain's own instances stay unnamed)
const EmailSetup = emailSetupSchema.meta({
  id: 'EmailSetup',
  description: 'Setup of an e-mail or form-response mailing',
});
const SmsSetup = smsSetupSchema.meta({ id: 'SmsSetup', description: 'Setup of an SMS mailing' });
const DocumentSetup = documentSetupSchema.meta({
  id: 'DocumentSetup',
  description: 'Setup of a letter (document) mailing',
});
export const RecipientOptions = recipientOptionsSchema.meta({ id: 'RecipientOptions' });
const EmailContent = emailContentSchema.meta({ id: 'EmailContent', description: 'MJML or HTML source' });
const SmsContent = smsContentSchema.meta({ id: 'SmsContent' });
const DocumentContent = documentContentSchema.meta({ id: 'DocumentContent', description: 'The letter body' });

/** A mailing whole: setup, recipient options and content (mailings.service `Mailing`). */
export const Mailing = z
  .object({
    id: Id,
    name: z.string(),
    channel,
    state,
    folderId: Id.nullable(),
    selectionId: Id.nullable(),
    projectId: Id.nullable(),
    subscriptionTypeId: Id.nullable().meta({ description: 'Null is Any' }),
    templateId: Id.nullable(),
    setup: z.union([EmailSetup, SmsSetup, DocumentSetup]).meta({ description: 'By channel' }),
    recipientOptions: RecipientOptions,
    content: z.union([EmailContent, SmsContent, DocumentContent]).meta({ description: 'By channel' }),
    contentVersion: z.number().int(),
    revision: z.number().int().meta({ description: 'Raised by every change that shapes a message' }),
    scheduledAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Mailing', description: 'A mailing with its setup, recipient options and content' });

/** A mailing as a list of another thing shows it (mailings.service `MailingSummary`). */
export const MailingRef = z
  .object({
    id: Id,
    name: z.string(),
    channel,
    state,
    folderId: Id.nullable(),
    selectionId: Id.nullable(),
    projectId: Id.nullable(),
    scheduledAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'MailingRef', description: 'A mailing without its setup and content' });

export const StepError = z.object({ field: z.string(), code: z.string(), message: z.string() });

export const Step = z
  .object({
    step: z.enum(['setup', 'template', 'content', 'recipients', 'confirm']),
    complete: z.boolean(),
    errors: z.array(StepError),
  })
  .meta({ id: 'Step', description: 'A wizard step with its completeness and what is missing' });

export const Attachment = z
  .object({ id: Id, fileName: z.string(), contentType: z.string(), sizeBytes: z.number().int() })
  .meta({ id: 'Attachment' });

/** A link of a mailing with its stable number (mailings.service `MailingLink`, content `RenderedLink`). */
export const MailingLink = z
  .object({
    n: z
      .number()
      .int()
      .meta({ description: 'The stable number of the link in the mailing (0: the open pixel)' }),
    url: z.string(),
    targetUrl: z.string().meta({ description: 'Where a click redirects (with UTM tags when on)' }),
    name: z.string().nullable(),
    trackedLinkId: Id.nullable(),
  })
  .meta({ id: 'MailingLink' });

const unsafeHtmlCode = z.enum([
  'SCRIPT_NOT_ALLOWED',
  'EVENT_HANDLER_NOT_ALLOWED',
  'JAVASCRIPT_URL_NOT_ALLOWED',
  'ELEMENT_NOT_ALLOWED',
  'MERGE_TAG_IN_MARKUP',
  'MERGE_TAG_BEFORE_URL_SCHEME',
  'COMMENT_NOT_ALLOWED',
]);

/** E-mail content rendered for its version, links as markers (content `RenderedEmail`). */
export const RenderedEmail = z
  .object({
    version: z.number().int(),
    html: z.string(),
    text: z.string(),
    links: z.array(MailingLink),
    mjmlErrors: z.array(z.object({ line: z.number().int(), message: z.string() })),
    sanitizer: z.number().int().optional(),
    removed: z
      .array(
        z.object({
          code: unsafeHtmlCode,
          element: z.string(),
          attribute: z.string().optional(),
          url: z.string().optional(),
        }),
      )
      .optional()
      .meta({ description: 'What the sanitiser removed from the HTML' }),
  })
  .meta({ id: 'RenderedEmail' });

export const AuditFinding = z
  .object({
    severity: z.enum(['error', 'warning']),
    code: z.string(),
    message: z.string(),
    where: z.object({
      part: z.string(),
      line: z.number().int().optional(),
      column: z.number().int().optional(),
      element: z.string().optional(),
    }),
  })
  .meta({ id: 'AuditFinding', description: 'A finding of the Content audit and where it is' });

export const SmsCount = z
  .object({
    encoding: z.enum(['GSM-7', 'UCS-2']),
    characters: z.number().int().meta({ description: 'Characters as the user sees them (code points)' }),
    units: z.number().int().meta({ description: 'Septets (GSM-7) or UTF-16 units (UCS-2)' }),
    parts: z.number().int(),
    remaining: z.number().int().meta({ description: 'Units left in the last part' }),
    nonGsmCharacters: z.array(z.string()).meta({ description: 'Characters that forced UCS-2' }),
  })
  .meta({ id: 'SmsCount', description: 'The SMS counter' });

export const SmsEstimate = SmsCount.extend({
  recipients: z.number().int(),
  estimatedMessages: z.number().int().meta({ description: 'Parts × ready recipients' }),
}).meta({ id: 'SmsEstimate' });

const Mailbox = z.object({ name: z.string(), address: z.string() });

/** What a test send to one recipient carries (renderer `Preview`), by channel. */
export const Preview = z
  .union([
    z.object({
      channel: z.enum(['email', 'formResponse']),
      recipientId: Id,
      subject: z.string(),
      html: z.string(),
      text: z.string(),
      from: Mailbox,
      replyTo: Mailbox.nullable(),
      headers: z.record(z.string(), z.string()),
    }),
    z.object({
      channel: z.literal('sms'),
      recipientId: Id,
      text: z.string(),
      count: SmsCount,
      sender: z.string(),
    }),
    z.object({ channel: z.literal('document'), recipientId: Id, text: z.string() }),
  ])
  .meta({ id: 'Preview', description: 'A message as one recipient gets it' });

export const MergeField = z
  .object({
    name: z.string(),
    description: z.string(),
    example: z.string(),
    group: z.enum(['customer', 'company', 'ourContact', 'link', 'flag']),
  })
  .meta({ id: 'MergeField', description: 'A variable of the merge language' });

/**
 * The settings as `GET /settings` answers them: every one present. Written out rather than the
 * domain's `settingsSchema`, whose defaults would be documented — the time zone's is the
 * generating machine's, so the generated client would differ from one machine to the next.
 */
export const Settings = z
  .object({
    privacyFilter: z.boolean(),
    bounceThreshold: z.number().int(),
    linkExpiryDays: z.number().int(),
    onlyApprovedDomains: z.boolean(),
    expiredLeases: z.enum(['resend', 'hold']),
    timeZone: z.string().meta({ description: 'IANA time zone of the instance' }),
  })
  .meta({ id: 'Settings' });

export const Folder = z
  .object({ id: Id, kind: z.enum(folderKinds), name: z.string(), parentId: Id.nullable() })
  .meta({ id: 'Folder' });

export const Template = z
  .object({
    id: Id,
    name: z.string(),
    channel,
    folderId: Id.nullable(),
    description: z.string().nullable(),
    setup: z.record(z.string(), z.unknown()).meta({ description: 'The setup fields a template carries' }),
    content: z.record(z.string(), z.unknown()),
    starter: z.boolean().meta({ description: 'Built-in starters cannot be changed or deleted; copy them' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Template' });

export const TemplateExport = z
  .object({
    posthornTemplate: z.literal(1),
    name: z.string(),
    channel,
    description: z.string().nullish(),
    setup: z.record(z.string(), z.unknown()),
    content: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'TemplateExport', description: 'A template as a document; the import takes the same' });

export const TrackedLink = z
  .object({
    id: Id,
    name: z.string(),
    url: z.string(),
    folderId: Id.nullable(),
    actions: z.array(linkActionSchema),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'TrackedLink', description: 'A registered tracked link with its link actions' });

export const Image = z
  .object({
    id: Id,
    fileName: z.string(),
    contentType: z.string(),
    sizeBytes: z.number().int(),
    path: z.string().meta({ description: 'Public path (no login): /media/<name>' }),
    createdAt: Timestamp,
  })
  .meta({ id: 'Image' });

export const ProjectActivity = z
  .object({
    type: z.literal('mailing'),
    id: Id,
    name: z.string(),
    channel,
    state,
    at: Timestamp,
  })
  .meta({ id: 'ProjectActivity' });

export const mailingPage = pageOf(Mailing);
export const mailingRefPage = pageOf(MailingRef);
export const steps = itemsOf(Step);
export const auditFindings = itemsOf(AuditFinding);
export const mailingLinks = itemsOf(MailingLink);
export const attachments = itemsOf(Attachment);
export const mergeFields = itemsOf(MergeField);
export const folderList = pageOf(Folder);
export const templatePage = pageOf(Template);
export const trackedLinkPage = pageOf(TrackedLink);
export const imagePage = pageOf(Image);
export const projectActivities = pageOf(ProjectActivity);
