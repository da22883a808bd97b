import { readFile } from 'node:fs/promises';
import { ZodError, type z } from 'zod';
import { type Actor, AppError, invalid } from '../core/index.js';
import {
  applySetupPatch,
  contentSchemaOf,
  type Mailing,
  type MailingStep,
  mailingInput,
  mailingPatch,
  setupSchemaOf,
} from '../mailings/index.js';
import type { Services } from '../services.js';

/**
 * `posthorn mailing create --from FILE`: the body of `POST /api/v1/mailings` (name, channel,
 * folderId, templateId) plus what `PATCH /api/v1/mailings/{id}` takes (selectionId, projectId,
 * subscriptionTypeId, setup, recipientOptions, content), in one JSON object. Unknown keys are
 * refused, as the API refuses them.
 */
export const mailingFileSchema = mailingInput.extend(mailingPatch.omit({ name: true, folderId: true }).shape);

export type MailingFile = z.output<typeof mailingFileSchema>;

function fileError(file: string, field: string, message: string, extra: Record<string, unknown> = {}) {
  return invalid('MAILING_FILE_INVALID', `${file}: ${field === '' ? '' : `${field}: `}${message}`, {
    file,
    ...(field === '' ? {} : { field }),
    ...extra,
  });
}

/** The first issue of a zod error as `file: path: message`; `prefix` places a nested part's path. */
function fromZod(file: string, error: ZodError, prefix = ''): AppError {
  const issue = error.issues[0];
  if (issue === undefined) return fileError(file, prefix, 'invalid');
  // an unknown key is reported at its own path, not at the object that holds it
  const path = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])];
  const field = [prefix, ...path.map(String)].filter((p) => p !== '').join('.');
  return fileError(file, field, issue.message, {
    issues: error.issues.map((i) => ({
      field: [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.'),
      message: i.message,
    })),
  });
}

/** Reads and checks the file; every problem names the file, and the field by its path. */
export async function readMailingFile(file: string): Promise<MailingFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw invalid('MAILING_FILE_NOT_FOUND', `${file}: no such file`, { file });
    throw invalid('MAILING_FILE_UNREADABLE', `${file}: cannot be read (${code ?? 'error'})`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fileError(file, '', `not valid JSON (${(e as Error).message})`);
  }
  const parsed = mailingFileSchema.safeParse(json);
  if (!parsed.success) throw fromZod(file, parsed.error);
  const v = parsed.data;
  // setup and content are checked against the channel's schemas here, before anything is
  // created, so a bad file leaves no half-made mailing behind
  if (v.setup !== undefined) {
    try {
      applySetupPatch(v.channel, setupSchemaOf(v.channel).parse({}), v.setup);
    } catch (e) {
      // one code for every fault found in the file; the check's own code goes along
      if (e instanceof AppError && e.kind === 'invalid') {
        const field = typeof e.details.field === 'string' ? e.details.field : 'setup';
        throw fileError(file, field, e.message.replace(`${field}: `, ''), { reasonCode: e.code });
      }
      throw placed(file, e, 'setup');
    }
  }
  if (v.content !== undefined) {
    const content = contentSchemaOf(v.channel).safeParse(v.content);
    if (!content.success) throw fromZod(file, content.error, 'content');
  }
  return v;
}

/** An error from checking or applying the file, with the file named (and a zod path placed). */
function placed(file: string, e: unknown, prefix: string): unknown {
  if (e instanceof ZodError) return fromZod(file, e, prefix);
  if (e instanceof AppError) {
    const field = typeof e.details.field === 'string' ? e.details.field : '';
    const named = field === '' || e.message.startsWith(field) ? e.message : `${field}: ${e.message}`;
    return new AppError(e.kind, e.code, `${file}: ${named}`, { ...e.details, file });
  }
  return e;
}

/**
 * Creates the mailing, then applies the rest of the file as one change (with content and no
 * template, the Template step is done as "blank"). When that change is refused (a selection that does not exist, say), the new draft is deleted again: the command
 * either makes the whole mailing or nothing.
 */
export async function createMailingFromFile(
  services: Services,
  file: string,
  actor: Actor,
): Promise<{ mailing: Mailing; steps: MailingStep[] }> {
  const { name, channel, folderId, templateId, ...patch } = await readMailingFile(file);
  let mailing: Mailing;
  try {
    mailing = await services.mailings.create({ name, channel, folderId, templateId }, actor);
  } catch (e) {
    throw placed(file, e, '');
  }
  const changes = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  if (Object.keys(changes).length > 0) {
    try {
      // content in the file is the choice the Template step asks for: start blank with it
      if (patch.content !== undefined && !templateId)
        await services.mailings.chooseTemplate(mailing.id, { blank: true }, actor);
      await services.recipients.beforeSetupChange(mailing.id, changes, actor);
      mailing = await services.mailings.update(mailing.id, changes, actor);
    } catch (e) {
      await services.mailings.delete(mailing.id, actor);
      // the setup is the one part only the service checks against a template's setup
      throw placed(file, e, 'setup');
    }
  }
  // as PATCH does: a linked selection or project fills the recipient list
  if (Object.keys(changes).length > 0)
    await services.recipients.afterSetupChange(mailing.id, Object.keys(changes), actor);
  return { mailing, steps: await services.mailings.steps(mailing.id) };
}
