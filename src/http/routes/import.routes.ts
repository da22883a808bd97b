import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { AppError, invalid, notFound, randomToken } from '../../core/index.js';
import { idParams, route } from '../route.js';
import { importJobSchema, importReportSchema } from '../schemas/import.js';

const formFields = z.strictObject({
  dryRun: z.enum(['true', 'false']).optional(),
  mapping: z.string().max(20_000).optional(),
  delimiter: z.enum([',', ';', '\t']).optional(),
  encoding: z.enum(['utf-8', 'windows-1252']).optional(),
});

export const importRoutes = [
  route({
    method: 'POST',
    url: '/api/v1/imports',
    access: 'editCrm',
    tag: 'imports',
    summary:
      'Import persons from a CSV or XLSX upload (multipart field "file"; optional fields dryRun, mapping as JSON {"Header":"field"}, delimiter, encoding)',
    multipart: true,
    status: 201,
    response: importReportSchema,
    handler: async ({ services, request, actor }) => {
      const dir = join(request.server.posthorn.dataDir, 'uploads', 'imports');
      // uploads are CRM data: the directory and the file are our user's only
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const fields: Record<string, string> = {};
      let uploaded: { path: string; name: string } | null = null;
      try {
        for await (const part of request.parts({
          limits: { fileSize: request.server.posthorn.importMaxBytes, files: 1 },
        })) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file') {
              part.file.resume();
              throw invalid(
                'IMPORT_UNKNOWN_PART',
                `unknown file field "${part.fieldname}"; send the file as "file"`,
                {
                  field: part.fieldname,
                },
              );
            }
            // a random name (never the client's), keeping .xlsx so the reader knows the format
            const path = join(
              dir,
              `${randomToken(12)}${/\.xlsx$/i.test(part.filename) ? '.xlsx' : '.upload'}`,
            );
            uploaded = { path, name: part.filename.slice(0, 200) || 'upload' };
            await pipeline(part.file, createWriteStream(path, { mode: 0o600 }));
            if (part.file.truncated) {
              throw new AppError(
                'tooLarge',
                'IMPORT_FILE_TOO_LARGE',
                `${uploaded.name}: larger than ${request.server.posthorn.importMaxBytes} bytes`,
                {
                  file: uploaded.name,
                  maxBytes: request.server.posthorn.importMaxBytes,
                },
              );
            }
          } else {
            fields[part.fieldname] = String(part.value);
          }
        }
        if (uploaded === null)
          throw invalid('IMPORT_NO_FILE', 'no file: send the CSV or XLSX as multipart field "file"', {
            field: 'file',
          });
        const options = formFields.parse(fields);
        let mapping: Record<string, string | null> | undefined;
        if (options.mapping !== undefined) {
          try {
            mapping = z.record(z.string(), z.string().nullable()).parse(JSON.parse(options.mapping));
          } catch {
            throw invalid(
              'IMPORT_MAPPING_INVALID',
              'mapping must be a JSON object {"Header": "field" | null}',
              { field: 'mapping' },
            );
          }
        }
        return await services.imports.importPersons(
          uploaded.path,
          {
            dryRun: options.dryRun === 'true',
            mapping,
            delimiter: options.delimiter,
            encoding: options.encoding,
            fileName: uploaded.name,
          },
          actor,
        );
      } finally {
        if (uploaded !== null) await rm(uploaded.path, { force: true });
      }
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/imports/:id',
    access: 'viewCrm',
    tag: 'imports',
    summary: 'The report of an import',
    params: idParams,
    response: importJobSchema,
    handler: async ({ services, params }) => {
      const row = await services.imports.get(params.id);
      if (!row) throw notFound('IMPORT_NOT_FOUND', `import ${params.id} does not exist`);
      return {
        id: row.id,
        fileName: row.file_name,
        dryRun: row.dry_run === 1,
        status: row.status,
        created: row.created,
        updated: row.updated,
        unchanged: row.unchanged,
        invalidCount: row.invalid,
        createdBy: row.created_by,
        startedAt: row.started_at,
        finishedAt: row.finished_at,
        // written by ImportService.finish: the report (with `error` when it failed), `{}` while running
        report: JSON.parse(row.report) as z.input<typeof importJobSchema>['report'],
      };
    },
  }),
];
