import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { countSms } from '../../channels/sms/index.js';
import { invalid, notFound } from '../../core/index.js';
import {
  channels,
  chooseTemplateInput,
  folderInput,
  folderKinds,
  folderPatch,
  mailingInput,
  mailingListQuery,
  mailingPatch,
  templateInput,
  templatePatch,
  trackedLinkInput,
  trackedLinkPatch,
} from '../../mailings/index.js';
import { escapeHtml } from '../../merge/index.js';
import { recipientListQuery, recipientSourceInput } from '../../recipients/index.js';
import { settingsPatch } from '../../settings/index.js';
import { htmlAnswer, idParams, mailingContentResponse, pageQuery, route } from '../route.js';
import * as s from '../schemas/mailings.js';
import * as r from '../schemas/recipients.js';

const mailingSub = z.object({
  id: z.coerce.number().int().positive(),
  subId: z.coerce.number().int().positive(),
});
const nameBody = z.strictObject({ name: z.string().trim().min(1).max(200).optional() });

/** One uploaded file (multipart field `file`) read into memory, bounded by `maxBytes`. */
async function oneFile(
  request: FastifyRequest,
  maxBytes: number,
): Promise<{ name: string; type: string; data: Buffer }> {
  const file = await request.file({ limits: { fileSize: maxBytes, files: 1 } });
  if (!file)
    throw invalid('FILE_MISSING', 'send the file as multipart/form-data field "file"', { field: 'file' });
  if (file.fieldname !== 'file') {
    file.file.resume();
    throw invalid('FILE_MISSING', `unknown file field "${file.fieldname}"; send the file as "file"`, {
      field: file.fieldname,
    });
  }
  const data = await file.toBuffer();
  return { name: file.filename.slice(0, 200) || 'upload', type: file.mimetype, data };
}

const mediaTypes: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

export const mailingRoutes = [
  // the merge-language catalogue and settings
  route({
    method: 'GET',
    url: '/api/v1/merge-fields',
    access: 'authenticated',
    tag: 'mailings',
    summary: 'The merge-language variable catalogue, custom fields included',
    response: s.mergeFields,
    handler: async ({ services }) => ({ items: await services.mailings.catalogue() }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/settings',
    access: 'authenticated',
    tag: 'settings',
    summary: 'Settings: privacy filter, bounce threshold, link expiry, only approved domains',
    response: s.Settings,
    handler: ({ services }) => services.settings.get(),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/settings',
    access: 'manageSettings',
    tag: 'settings',
    summary: 'Change settings (audited)',
    body: settingsPatch,
    response: s.Settings,
    handler: ({ services, body, actor }) => services.settings.update(body, actor),
  }),

  route({
    method: 'POST',
    url: '/api/v1/sms/count',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'The live SMS counter: encoding (GSM-7 or UCS-2), characters, parts, what forced UCS-2',
    body: z.strictObject({ text: z.string().max(5000) }),
    response: s.SmsCount,
    handler: async ({ body }) => countSms(body.text),
  }),

  // folders
  route({
    method: 'GET',
    url: '/api/v1/folders',
    access: 'editMailings',
    tag: 'folders',
    summary: 'List folders (nested by parentId), optionally of one kind',
    query: z.object({ kind: z.enum(folderKinds).optional() }),
    response: s.folderList,
    handler: async ({ services, query }) => {
      const items = await services.folders.list(query.kind);
      return { items, total: items.length };
    },
  }),
  route({
    method: 'POST',
    url: '/api/v1/folders',
    access: 'editMailings',
    tag: 'folders',
    summary: 'Create a folder for mailings, templates, links or forms',
    body: folderInput,
    status: 201,
    response: s.Folder,
    handler: ({ services, body, actor }) => services.folders.create(body, actor),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/folders/:id',
    access: 'editMailings',
    tag: 'folders',
    summary: 'Rename or move a folder',
    params: idParams,
    body: folderPatch,
    response: s.Folder,
    handler: ({ services, params, body, actor }) => services.folders.update(params.id, body, actor),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/folders/:id',
    access: 'editMailings',
    tag: 'folders',
    summary: 'Delete a folder and its sub-folders (their content moves to the top level)',
    params: idParams,
    status: 204,
    handler: ({ services, params, actor }) => services.folders.delete(params.id, actor),
  }),

  // templates
  route({
    method: 'GET',
    url: '/api/v1/templates',
    access: 'editMailings',
    tag: 'templates',
    summary: 'List templates (the starter library included)',
    query: pageQuery.extend({
      channel: z.enum(channels).optional(),
      folderId: z.coerce.number().int().positive().optional(),
    }),
    response: s.templatePage,
    handler: ({ services, query }) => services.templates.list(query),
  }),
  route({
    method: 'POST',
    url: '/api/v1/templates',
    access: 'editMailings',
    tag: 'templates',
    summary: 'Create a template',
    body: templateInput,
    status: 201,
    response: s.Template,
    handler: ({ services, body, actor }) => services.templates.create(body, actor),
  }),
  route({
    method: 'POST',
    url: '/api/v1/templates/import',
    access: 'editMailings',
    tag: 'templates',
    summary: 'Import a template from its JSON export',
    body: z.record(z.string(), z.unknown()),
    status: 201,
    response: s.Template,
    handler: ({ services, body, actor }) => services.templates.import(body, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/templates/:id',
    access: 'editMailings',
    tag: 'templates',
    summary: 'One template',
    params: idParams,
    response: s.Template,
    handler: ({ services, params }) => services.templates.get(params.id),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/templates/:id',
    access: 'editMailings',
    tag: 'templates',
    summary: 'Change a template (starters cannot be changed: copy them)',
    params: idParams,
    body: templatePatch,
    response: s.Template,
    handler: ({ services, params, body, actor }) => services.templates.update(params.id, body, actor),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/templates/:id',
    access: 'editMailings',
    tag: 'templates',
    summary: 'Delete a template',
    params: idParams,
    status: 204,
    handler: ({ services, params, actor }) => services.templates.delete(params.id, actor),
  }),
  route({
    method: 'POST',
    url: '/api/v1/templates/:id/copy',
    access: 'editMailings',
    tag: 'templates',
    summary: 'Copy a template',
    params: idParams,
    body: nameBody.optional(),
    status: 201,
    response: s.Template,
    handler: ({ services, params, body, actor }) => services.templates.copy(params.id, actor, body?.name),
  }),
  route({
    method: 'GET',
    url: '/api/v1/templates/:id/export',
    access: 'editMailings',
    tag: 'templates',
    summary: 'Export a template as JSON (import takes the same document)',
    params: idParams,
    response: s.TemplateExport,
    handler: async ({ services, params, reply }) => {
      void reply.header('content-disposition', `attachment; filename="template-${params.id}.json"`);
      return services.templates.export(params.id);
    },
  }),

  // tracked links
  route({
    method: 'GET',
    url: '/api/v1/tracked-links',
    access: 'editMailings',
    tag: 'tracked-links',
    summary: 'List registered tracked links',
    query: pageQuery.extend({ folderId: z.coerce.number().int().positive().optional() }),
    response: s.trackedLinkPage,
    handler: ({ services, query }) => services.trackedLinks.list(query),
  }),
  route({
    method: 'POST',
    url: '/api/v1/tracked-links',
    access: 'editMailings',
    tag: 'tracked-links',
    summary: 'Register a tracked link (name, URL, folder, link actions)',
    body: trackedLinkInput,
    status: 201,
    response: s.TrackedLink,
    handler: ({ services, body, actor }) => services.trackedLinks.create(body, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/tracked-links/:id',
    access: 'editMailings',
    tag: 'tracked-links',
    summary: 'One tracked link',
    params: idParams,
    response: s.TrackedLink,
    handler: ({ services, params }) => services.trackedLinks.get(params.id),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/tracked-links/:id',
    access: 'editMailings',
    tag: 'tracked-links',
    summary: 'Change a tracked link',
    params: idParams,
    body: trackedLinkPatch,
    response: s.TrackedLink,
    handler: ({ services, params, body, actor }) => services.trackedLinks.update(params.id, body, actor),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/tracked-links/:id',
    access: 'editMailings',
    tag: 'tracked-links',
    summary: 'Delete a tracked link',
    params: idParams,
    status: 204,
    handler: ({ services, params, actor }) => services.trackedLinks.delete(params.id, actor),
  }),

  // the image library
  route({
    method: 'GET',
    url: '/api/v1/images',
    access: 'editMailings',
    tag: 'images',
    summary: 'List the image library',
    query: pageQuery,
    response: s.imagePage,
    handler: ({ services, query }) => services.images.list(query),
  }),
  route({
    method: 'POST',
    url: '/api/v1/images',
    access: 'editMailings',
    tag: 'images',
    summary: 'Upload an image (multipart field "file"; PNG, JPEG, GIF or WebP); served publicly at its path',
    multipart: true,
    status: 201,
    response: s.Image,
    handler: async ({ services, request, actor }) => {
      const f = await oneFile(request, request.server.posthorn.imageMaxBytes);
      return services.images.upload(f.name, f.data, actor);
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/images/:id',
    access: 'editMailings',
    tag: 'images',
    summary: 'Delete an image',
    params: idParams,
    status: 204,
    handler: ({ services, params, actor }) => services.images.delete(params.id, actor),
  }),
  route({
    method: 'GET',
    url: '/media/:name',
    access: 'public',
    tag: 'images',
    summary: 'An image of the library (public: e-mail clients load it)',
    params: z.object({ name: z.string().regex(/^[A-Za-z0-9_-]{8,64}\.(png|jpg|gif|webp)$/) }),
    raw: { 200: { description: 'The image', mediaTypes: Object.values(mediaTypes) } },
    handler: async ({ services, params, reply }) => {
      const path = join(services.images.directory, params.name);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) throw notFound('IMAGE_NOT_FOUND', 'no such image');
      const ext = params.name.split('.').pop() ?? '';
      void reply
        .header('content-type', mediaTypes[ext] ?? 'application/octet-stream')
        .header('content-length', info.size)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff');
      return createReadStream(path);
    },
  }),

  // mailings
  route({
    method: 'GET',
    url: '/api/v1/mailings',
    access: 'viewStatistics',
    tag: 'mailings',
    summary: 'List mailings (filter by folderId, state, channel; q searches the name)',
    query: mailingListQuery,
    response: s.mailingPage,
    handler: ({ services, query }) => services.mailings.list(query),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'Create a mailing (email, sms, document, formResponse), blank or from a template',
    body: mailingInput,
    status: 201,
    response: s.Mailing,
    handler: ({ services, body, actor }) => services.mailings.create(body, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id',
    access: 'viewStatistics',
    tag: 'mailings',
    summary: 'One mailing with its setup, recipient options and content',
    params: idParams,
    response: s.Mailing,
    handler: ({ services, params }) => services.mailings.get(params.id),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/mailings/:id',
    access: 'editMailings',
    tag: 'mailings',
    summary:
      'Change setup, recipient options or content; a scheduled mailing returns to draft, a sending one refuses (MAILING_NOT_EDITABLE)',
    params: idParams,
    body: mailingPatch,
    response: s.Mailing,
    handler: async ({ services, params, body, actor }) => {
      // the use case: a refusal of the list's rebuild (rights) comes before anything is written;
      // a changed selection, project, subscription type or option rebuilds the list (large: in
      // the background, shown by /recipients/summary)
      await services.recipients.beforeSetupChange(params.id, body, actor);
      const mailing = await services.mailings.update(params.id, body, actor);
      await services.recipients.afterSetupChange(params.id, Object.keys(body), actor);
      return mailing;
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/mailings/:id',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'Delete a draft (mailings that sent anything are archived, never deleted)',
    params: idParams,
    status: 204,
    handler: ({ services, params, actor }) => services.mailings.delete(params.id, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/steps',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'The wizard steps with completeness and errors',
    params: idParams,
    response: s.steps,
    handler: async ({ services, params }) => ({ items: await services.mailings.steps(params.id) }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/template',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'The Template step: { templateId } or { blank: true }',
    params: idParams,
    body: chooseTemplateInput,
    response: s.Mailing,
    handler: ({ services, params, body, actor }) => services.mailings.chooseTemplate(params.id, body, actor),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/copy',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'Copy mailing: a new draft with the same setup, content and sources',
    params: idParams,
    body: nameBody.optional(),
    status: 201,
    response: s.Mailing,
    handler: ({ services, params, body, actor }) => services.mailings.copy(params.id, actor, body?.name),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/copy-to-template',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'Copy mailing to template',
    params: idParams,
    body: nameBody.optional(),
    status: 201,
    response: s.Template,
    handler: ({ services, params, body, actor }) =>
      services.mailings.copyToTemplate(params.id, actor, body?.name),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/rendered',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'E-mail content rendered for this version: HTML and text with link markers, and its links',
    params: idParams,
    response: s.RenderedEmail,
    handler: ({ services, params }) => services.mailings.rendered(params.id),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/audit',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'The Content audit: each finding with severity, code and where it is',
    params: idParams,
    response: s.auditFindings,
    handler: async ({ services, params }) => ({ items: await services.mailings.auditContent(params.id) }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/links',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'The tracked links of the mailing, each with its stable number',
    params: idParams,
    response: s.mailingLinks,
    handler: async ({ services, params }) => ({ items: await services.mailings.links(params.id) }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/sms-estimate',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'SMS: encoding, characters, parts, and the cost estimate (parts × ready recipients)',
    params: idParams,
    response: s.SmsEstimate,
    handler: ({ services, params }) => services.mailings.smsEstimate(params.id),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/preview',
    access: 'editMailings',
    tag: 'mailings',
    summary:
      'Preview for one recipient: exactly what a test send to them carries (subject, From, Reply-To, List-Unsubscribe, HTML, text; links with their test token work and count nothing), the SMS text with its parts, or the letter',
    params: idParams,
    query: z.object({ recipientId: z.coerce.number().int().positive() }),
    response: s.Preview,
    handler: ({ services, params, query }) => services.render.preview(params.id, query.recipientId),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/preview/html',
    access: 'editMailings',
    tag: 'mailings',
    summary:
      'The preview as a page (for a frame): the HTML of an e-mail, or the text of an SMS or letter, in a sandbox that runs no script',
    params: idParams,
    query: z.object({ recipientId: z.coerce.number().int().positive() }),
    raw: { 200: htmlAnswer('The preview in a sandbox that runs no script') },
    handler: async ({ services, params, query }) => {
      const p = await services.render.preview(params.id, query.recipientId);
      return mailingContentResponse('html' in p ? p.html : `<pre>${escapeHtml(p.text)}</pre>`);
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/preview.pdf',
    access: 'editMailings',
    tag: 'mailings',
    summary:
      "One letter of a document mailing as a PDF, for one of its recipients: the sending's render and PDF writer (the merged PDF of every letter is …/document.pdf, once sent)",
    params: idParams,
    query: z.object({ recipientId: z.coerce.number().int().positive() }),
    raw: { 200: { description: 'One letter', mediaTypes: ['application/pdf'] } },
    handler: async ({ services, params, query, reply }) => {
      const pdf = await services.render.previewPdf(params.id, query.recipientId);
      void reply
        .header('content-type', 'application/pdf')
        .header(
          'content-disposition',
          `inline; filename="mailing-${params.id}-letter-${query.recipientId}.pdf"`,
        );
      return pdf;
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/attachments',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'The attachments of an e-mail mailing',
    params: idParams,
    response: s.attachments,
    handler: async ({ services, params }) => ({ items: await services.mailings.listAttachments(params.id) }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/attachments',
    access: 'editMailings',
    tag: 'mailings',
    summary:
      'Attach a file (multipart field "file"); all attachments together stay within the configured total',
    params: idParams,
    multipart: true,
    status: 201,
    response: s.Attachment,
    handler: async ({ services, params, request, actor }) => {
      const f = await oneFile(request, request.server.posthorn.attachmentMaxBytes);
      return services.mailings.addAttachment(params.id, f.name, f.type, f.data, actor);
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/mailings/:id/attachments/:subId',
    access: 'editMailings',
    tag: 'mailings',
    summary: 'Remove an attachment',
    params: mailingSub,
    status: 204,
    handler: ({ services, params, actor }) =>
      services.mailings.removeAttachment(params.id, params.subId, actor),
  }),

  // recipients
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/recipient-sources',
    access: 'editMailings',
    tag: 'recipients',
    summary: 'The recipient sources in order (the Setup source first)',
    params: idParams,
    response: r.recipientSources,
    handler: async ({ services, params }) => ({ items: await services.recipients.listSources(params.id) }),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/recipient-sources',
    access: 'editMailings',
    tag: 'recipients',
    summary:
      'Add a source: JSON {"kind":"selection","selectionId":7} | {"kind":"project","projectId":3} | {"kind":"persons","personIds":[…]}, or a CSV/TXT file as multipart field "file"',
    params: idParams,
    status: 201,
    alsoAccepts: ['multipart/form-data'],
    response: r.AddedSource,
    handler: async ({ services, params, request, body, actor }) => {
      if (request.isMultipart()) {
        const f = await oneFile(request, 20 * 1024 * 1024);
        return services.recipients.addFileSource(params.id, f.name, f.data, actor);
      }
      return services.recipients.addSource(params.id, recipientSourceInput.parse(body), actor);
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/mailings/:id/recipient-sources/:subId',
    access: 'editMailings',
    tag: 'recipients',
    summary: 'Remove a source and its recipients',
    params: mailingSub,
    status: 204,
    handler: ({ services, params, actor }) =>
      services.recipients.removeSource(params.id, params.subId, actor),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/recipients/refresh',
    access: 'editMailings',
    tag: 'recipients',
    summary: '"Update list": rebuild the recipient list from the sources and the CRM as they are now',
    params: idParams,
    response: r.RecipientSummary,
    handler: ({ services, params, actor }) => services.recipients.build(params.id, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/recipients',
    access: 'editMailings',
    tag: 'recipients',
    summary: 'The recipient list, 50 a page; status (comma-separated) and reason filter it',
    params: idParams,
    query: recipientListQuery,
    response: r.recipientPage,
    handler: ({ services, params, query }) => services.recipients.list(params.id, query),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/recipients/summary',
    access: 'editMailings',
    tag: 'recipients',
    summary: 'Counts per status and block reason (and overridden), before anything is sent',
    params: idParams,
    response: r.RecipientSummary,
    handler: ({ services, params }) => services.recipients.summary(params.id),
  }),

  // the selection's Mailings tab and the project's Activities
  route({
    method: 'GET',
    url: '/api/v1/selections/:id/mailings',
    access: 'viewCrm',
    tag: 'selections',
    summary: 'Mailings linked to the selection (in Setup or as a source)',
    params: idParams,
    query: pageQuery,
    response: s.mailingRefPage,
    handler: async ({ services, params, query }) => {
      await services.selections.get(params.id);
      return services.mailings.ofSelection(params.id, query);
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/projects/:id/activities',
    access: 'viewCrm',
    tag: 'projects',
    summary: "The project's activities: its linked mailings",
    params: idParams,
    query: pageQuery,
    response: s.projectActivities,
    handler: async ({ services, params, query }) => {
      await services.projects.get(params.id);
      const page = await services.mailings.ofProject(params.id, query);
      return {
        items: page.items.map((m) => ({
          type: 'mailing' as const,
          id: m.id,
          name: m.name,
          channel: m.channel,
          state: m.state,
          at: m.updatedAt,
        })),
        total: page.total,
      };
    },
  }),
];
