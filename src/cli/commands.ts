import { type Command, Option } from 'commander';
import type { App } from '../app.js';
import type { SendingDomain } from '../channels/email/index.js';
import type { Actor } from '../core/index.js';
import type { Progress } from '../sending/index.js';
import { makeOutput, type Output, reportError, table } from './output.js';

/**
 * The commands and their help. Only commander and the small output module load with this file:
 * `posthorn --help` (and every command's `--help`) must answer at once, so the application and
 * its libraries (fastify, the services, exceljs, mjml, pdfkit, zod …) are imported with `import()`
 * inside the action that needs them.
 */
const load = {
  app: () => import('../app.js'),
  config: () => import('../config.js'),
  core: () => import('../core/index.js'),
};

function workerSettings(app: App) {
  return {
    secret: app.config.secret,
    publicUrl: app.config.publicUrl,
    bounceDomain: app.config.bounceDomain,
    smtpUrl: app.config.smtpUrl,
    smtpPoolSize: app.config.smtpPoolSize,
    logger: app.logger,
    workerOptions: { batchSize: app.config.sendBatchSize, leaseMs: app.config.sendLeaseMs },
    limits: {
      accountPerSecond: app.config.smtpRatePerSecond,
      destinationPerSecond: app.config.destinationRates,
    },
  };
}

type SetCode = (code: number) => void;

/** Runs a command body with the output mode of `--json`, mapping errors to exit codes. */
function action<A extends unknown[]>(
  setCode: SetCode,
  body: (output: Output, ...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const json = Boolean(command.optsWithGlobals().json);
    const output = makeOutput(json);
    try {
      await body(output, ...args);
    } catch (e) {
      setCode(reportError(output, e));
    }
  };
}

/** Opens the application for one command; `cliActor` is who the audit records. */
async function withApp<T>(fn: (app: App, cliActor: Actor) => Promise<T>): Promise<T> {
  const [{ openApp, cliActor }, { loadConfig }] = await Promise.all([load.app(), load.config()]);
  const app = await openApp(loadConfig());
  try {
    return await fn(app, cliActor);
  } finally {
    await app.close();
  }
}

function withJson(cmd: Command): Command {
  return cmd.addOption(new Option('--json', 'print one JSON document on stdout'));
}

export function registerCommands(program: Command, setCode: SetCode): void {
  withJson(program.command('serve'))
    .description('Run the web server (API, tracking, hosted pages); migrates the database first')
    .addHelpText(
      'after',
      '\nExample:\n  POSTHORN_PORT=8080 posthorn serve\n\nOn a new database it creates an admin user and an API key and prints them once.',
    )
    .action(
      action(setCode, async (output) => {
        const [{ openApp, bootstrapAdmin, startServer, startWorkers, startBounceIntake }, { loadConfig }] =
          await Promise.all([load.app(), load.config()]);
        const app = await openApp(loadConfig());
        const first = await bootstrapAdmin(app.services);
        const server = await startServer(app);
        const workers = startWorkers(app.services, workerSettings(app));
        const intake = await startBounceIntake(app);
        const url = `http://${app.config.host === '0.0.0.0' ? 'localhost' : app.config.host}:${app.config.port}`;
        if (output.json) {
          output.result(
            { url, publicUrl: app.config.publicUrl, database: app.config.database.engine, firstStart: first },
            '',
          );
        } else {
          output.out(
            `Posthorn ${app.config.database.engine === 'sqlite' ? `on SQLite ${app.config.database.file}` : 'on PostgreSQL'}`,
          );
          output.out(`Listening on ${url}  (API docs: ${url}/api/docs, health: ${url}/healthz)`);
          if (intake.smtpPort !== null)
            output.out(`Bounce receiver (SMTP) on port ${intake.smtpPort} for *@${app.config.bounceDomain}`);
          if (intake.imap) output.out('Polling the bounce mailbox (IMAP)');
          if (first) {
            output.out('');
            output.out('A new database: an administrator was created. These are shown once; keep them.');
            output.out(`  login:    ${first.email}`);
            output.out(`  password: ${first.password}`);
            output.out(`  API key:  ${first.apiKey}`);
            output.out(`  try:      curl -H "Authorization: Bearer ${first.apiKey}" ${url}/api/v1/persons`);
          }
        }
        await new Promise<void>((resolve) => {
          const stop = () => {
            output.err('shutting down…');
            void server
              .close()
              .then(() => intake.stop())
              .then(() => workers.stop())
              .then(() => app.close())
              .finally(resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );

  withJson(program.command('worker'))
    .description(
      'Run only the send workers and the scheduler (any number of them against one PostgreSQL database)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  POSTHORN_DATABASE_URL=postgres://posthorn@db/posthorn posthorn worker',
    )
    .action(
      action(setCode, async (output) => {
        const [{ openApp, startWorkers }, { loadConfig }] = await Promise.all([load.app(), load.config()]);
        const app = await openApp(loadConfig());
        const workers = startWorkers(app.services, workerSettings(app));
        output.out(`Posthorn worker ${workers.worker.id}: sending through ${workers.transport.name}`);
        await new Promise<void>((resolve) => {
          const stop = () => {
            output.err('stopping: finishing the batch in flight…');
            void workers
              .stop()
              .then(() => app.close())
              .finally(resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );

  withJson(program.command('migrate'))
    .description('Apply pending database migrations (serve does this at start too)')
    .addHelpText(
      'after',
      '\nExample:\n  POSTHORN_DATABASE_URL=postgres://posthorn@db/posthorn posthorn migrate',
    )
    .action(
      action(setCode, async (output) => {
        const [{ openApp }, { loadConfig }, { migrate }] = await Promise.all([
          load.app(),
          load.config(),
          import('../storage/index.js'),
        ]);
        const app = await openApp(loadConfig(), { migrate: false });
        try {
          const applied = await migrate(app.handle);
          output.result(
            { applied },
            applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date',
          );
        } finally {
          await app.close();
        }
      }),
    );

  withJson(program.command('config'))
    .description('Print every POSTHORN_* setting with its meaning, default and current value')
    .addHelpText('after', '\nExample:\n  posthorn config --json')
    .action(
      action(setCode, async (output) => {
        const { describeConfig, loadConfig } = await load.config();
        const rows = describeConfig();
        loadConfig(); // validates: an invalid value is reported with its variable
        output.result(
          rows,
          rows
            .map(
              (r) =>
                `${r.name}\n    ${r.help}\n    default: ${r.default ?? '(none)'}${r.value === null ? '' : `   set: ${r.value}`}`,
            )
            .join('\n'),
        );
      }),
    );

  const imp = program.command('import').description('Import data from files');
  withJson(imp.command('persons <file>'))
    .description('Import persons (with their companies) from CSV or XLSX; upsert by e-mail')
    .option('--dry-run', 'check and count, write nothing')
    .option('--map <header=field...>', 'map a column to a field (field "-" ignores it); repeatable')
    .addOption(
      new Option('--delimiter <char>', 'CSV delimiter (default: detected)').choices([',', ';', 'tab']),
    )
    .addOption(
      new Option('--encoding <name>', 'CSV encoding (default: detected)').choices(['utf-8', 'windows-1252']),
    )
    .addHelpText(
      'after',
      '\nFields: email firstName middleName lastName title salutation mobile street postcode city country language company\n' +
        '        noMailings formerEmployee interests custom.<key> consent.emarketing consent.salesService subscription.<type>\n' +
        '\nExamples:\n  posthorn import persons contacts.csv --dry-run\n  posthorn import persons export.xlsx --map "E-post=email" --map "Notes=-" --json',
    )
    .action(
      action(
        setCode,
        async (
          output,
          file: string,
          opts: { dryRun?: boolean; map?: string[]; delimiter?: string; encoding?: string },
        ) => {
          const { invalid } = await load.core();
          const mapping: Record<string, string | null> = {};
          for (const m of opts.map ?? []) {
            const eq = m.lastIndexOf('=');
            if (eq <= 0) throw invalid('IMPORT_MAPPING_INVALID', `--map "${m}": write it as "Header=field"`);
            const field = m.slice(eq + 1).trim();
            mapping[m.slice(0, eq).trim()] = field === '-' || field === '' ? null : field;
          }
          await withApp(async (app, cliActor) => {
            const dryRun = opts.dryRun ?? false;
            const verb = dryRun ? 'checked' : 'imported';
            // progress goes to stderr (stdout holds the report): a bar where stderr is a
            // terminal, else a plain line every few seconds (a log, a pipe, a service's journal)
            const { barProgress, plainProgress } = await import('./progress.js');
            const view = output.json
              ? null
              : process.stderr.isTTY
                ? await barProgress(process.stderr, verb)
                : plainProgress((line) => output.err(line), { verb });
            const report = await app.services.imports
              .importPersons(
                file,
                {
                  dryRun,
                  mapping,
                  delimiter: opts.delimiter === 'tab' ? '\t' : (opts.delimiter as ',' | ';' | undefined),
                  encoding: opts.encoding as 'utf-8' | 'windows-1252' | undefined,
                  onProgress: (p) => view?.update(p),
                },
                cliActor,
              )
              .finally(() => view?.stop());
            const lines = [
              `${report.dryRun ? 'Dry run (nothing written): ' : ''}${report.rows} rows in ${(report.durationMs / 1000).toFixed(1)} s`,
              `  created:   ${report.created}`,
              `  updated:   ${report.updated}`,
              `  unchanged: ${report.unchanged}`,
              `  rows skipped:   ${report.rowsSkipped}${report.rowsSkipped ? ' (no person: the e-mail address is missing, invalid or repeated)' : ''}`,
              `  values skipped: ${report.valuesSkipped}${report.valuesSkipped ? ' (the persons were imported without them)' : ''}`,
              ...(report.ignoredColumns.length
                ? [`  ignored columns: ${report.ignoredColumns.join(', ')}`]
                : []),
              ...report.invalid.map(
                (i) =>
                  `  line ${i.line}: ${i.field} "${i.value}": ${i.reason} (${i.action === 'rowSkipped' ? 'row skipped' : 'value skipped'})`,
              ),
              ...(report.invalidTruncated
                ? [`  … ${report.invalidCount - report.invalid.length} more skipped rows and values`]
                : []),
            ];
            output.result(report, lines.join('\n'));
          });
        },
      ),
    );

  const user = program.command('user').description('Users: the employees who log in');
  withJson(user.command('create'))
    .description('Create a user')
    .requiredOption('--email <email>', 'login e-mail')
    .requiredOption('--name <name>', 'full name')
    .option('--password <password>', 'password (at least 10 characters); without it the user cannot log in')
    .option('--role <role>', 'role: admin, marketer, analyst or one you created', 'marketer')
    .addHelpText(
      'after',
      '\nExample:\n  posthorn user create --email kari@example.com --name "Kari Nordmann" --password "long secret" --role marketer',
    )
    .action(
      action(
        setCode,
        async (output, opts: { email: string; name: string; password?: string; role: string }) => {
          await withApp(async (app, cliActor) => {
            const u = await app.services.access.createUser(
              {
                email: opts.email,
                name: opts.name,
                role: opts.role,
                ...(opts.password ? { password: opts.password } : {}),
              },
              cliActor,
            );
            output.result(u, `created user ${u.id} ${u.email} (${u.role})`);
          });
        },
      ),
    );
  withJson(user.command('list'))
    .description('List users')
    .addHelpText('after', '\nExample:\n  posthorn user list --json')
    .action(
      action(setCode, async (output) => {
        await withApp(async (app) => {
          const page = await app.services.access.listUsers(500, 0);
          output.result(
            page,
            table([
              ['id', 'email', 'name', 'role', 'active'],
              ...page.items.map((u) => [u.id, u.email, u.name, u.role, u.isActive ? 'yes' : 'no']),
            ]),
          );
        });
      }),
    );

  const mailing = program
    .command('mailing')
    .description('Mailings: create from a file, send, schedule, stop, start, cancel, status, stats, resend');
  withJson(mailing.command('create'))
    .description(
      'Create a mailing from a JSON file: the POST /api/v1/mailings body (name, channel, folderId, templateId) plus what PATCH /api/v1/mailings/{id} takes (selectionId, projectId, subscriptionTypeId, setup, recipientOptions, content)',
    )
    .requiredOption('--from <file>', 'the JSON file')
    .addHelpText(
      'after',
      '\nExample:\n  posthorn mailing create --from spring-news.json\n\n' +
        'spring-news.json:\n' +
        '  { "name": "Spring news", "channel": "email", "selectionId": 3,\n' +
        '    "setup": { "subject": "Spring is here", "from": { "name": "Fjord AS", "address": "news@fjord.no" } },\n' +
        '    "content": { "format": "html", "source": "<p>Hello [[customer.firstname]]</p>" } }\n\n' +
        'Content without a templateId counts as starting blank (the Template step). Prints the new\n' +
        "mailing's id and its wizard steps. A file that is refused creates nothing.",
    )
    .action(
      action(setCode, async (output, opts: { from: string }) => {
        const { createMailingFromFile } = await import('./mailing-file.js');
        await withApp(async (app, cliActor) => {
          const { mailing: m, steps } = await createMailingFromFile(app.services, opts.from, cliActor);
          output.result(
            { mailing: m, steps },
            [
              `created mailing ${m.id} "${m.name}" (${m.channel}, ${m.state})`,
              ...steps.map((step) =>
                [
                  `  ${step.complete ? 'done   ' : 'to do  '} ${step.step}`,
                  ...step.errors.map((e) => `            ${e.field}: ${e.message}`),
                ].join('\n'),
              ),
            ].join('\n'),
          );
        });
      }),
    );
  const showProgress = (p: Progress): string =>
    [
      `mailing ${p.mailingId}: ${p.state}${p.round ? `, round ${p.round}` : ''}${p.pausedReason ? ` (paused: ${p.pausedReason})` : ''}`,
      `  ${p.total} in the ledger: ${
        Object.entries(p.byState)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ') || 'nothing yet'
      }`,
      p.ratePerSecond > 0
        ? `  ${p.ratePerSecond.toFixed(1)} messages/s, expected end ${p.expectedEndAt ? new Date(p.expectedEndAt).toISOString() : 'unknown'}`
        : '',
    ]
      .filter((l) => l !== '')
      .join('\n');
  for (const [name, description] of [
    [
      'send',
      'Send now (refused with the failing wizard steps while incomplete); serve or worker processes send it',
    ],
    ['stop', 'Stop sending (what is in flight finishes)'],
    ['start', 'Resume a stopped mailing, or start a scheduled one now'],
    ['cancel', 'Cancel for good (unsent recipients are cancelled)'],
  ] as const) {
    withJson(mailing.command(`${name} <id>`))
      .description(description)
      .addHelpText('after', `\nExample:\n  posthorn mailing ${name} 12`)
      .action(
        action(setCode, async (output, id: string) => {
          await withApp(async (app, cliActor) => {
            const p = await app.services.sending[name](Number(id), cliActor);
            output.result(p, showProgress(p));
          });
        }),
      );
  }
  withJson(mailing.command('schedule <id> <time>'))
    .description('Schedule for a time (ISO 8601 with offset; stored in UTC)')
    .addHelpText('after', '\nExample:\n  posthorn mailing schedule 12 2026-12-01T09:00:00+01:00')
    .action(
      action(setCode, async (output, id: string, time: string) => {
        await withApp(async (app, cliActor) => {
          const p = await app.services.sending.schedule(Number(id), { at: time }, cliActor);
          output.result(p, showProgress(p));
        });
      }),
    );
  withJson(mailing.command('status <id>'))
    .description('Progress: counts per ledger state, current rate, expected end')
    .addHelpText('after', '\nExample:\n  posthorn mailing status 12 --json')
    .action(
      action(setCode, async (output, id: string) => {
        await withApp(async (app) => {
          const p = await app.services.sending.progress(Number(id));
          output.result(p, showProgress(p));
        });
      }),
    );

  withJson(mailing.command('stats <id>'))
    .description(
      'Follow-up summary: sent, delivered, read (human), clicked, bounced, unsubscribed, complained, rates',
    )
    .addHelpText('after', '\nExample:\n  posthorn mailing stats 12 --json')
    .action(
      action(setCode, async (output, id: string) => {
        await withApp(async (app) => {
          const s = await app.services.followup.summary(Number(id));
          const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);
          output.result(
            s,
            [
              `mailing ${s.mailingId}: ${s.recipients} recipients, ${s.sent} sent, ${s.delivered} delivered`,
              `  read ${s.read} (open rate ${pct(s.rates.open)}), clicked ${s.clicked} (click rate ${pct(s.rates.click)}, click-to-open ${pct(s.rates.clickToOpen)})`,
              `  bounced ${s.bounced.total} (${s.bounced.hard} hard, ${s.bounced.soft} soft; bounce rate ${pct(s.rates.bounce)}), unsubscribed ${s.unsubscribed}, complained ${s.complained}`,
              `  machine events (not counted as reads): ${s.opens.machine} opens, ${s.clicks.machine} clicks`,
            ].join('\n'),
          );
        });
      }),
    );
  withJson(mailing.command('resend <id> <mode>'))
    .description(
      'A new round of a finished mailing: mode nonReaders (sent, no human read) or reload (only those not in the list yet)',
    )
    .addHelpText('after', '\nExample:\n  posthorn mailing resend 12 nonReaders')
    .action(
      action(setCode, async (output, id: string, mode: string) => {
        const { invalid } = await load.core();
        await withApp(async (app, cliActor) => {
          if (mode !== 'nonReaders' && mode !== 'reload')
            throw invalid('INVALID_MODE', `mode must be nonReaders or reload, not "${mode}"`, {
              field: 'mode',
            });
          const r = await app.services.sending.resend(Number(id), { mode }, cliActor);
          output.result(
            r,
            [
              `mailing ${id}: round ${r.round} sends to ${r.recipients} recipients`,
              ...r.skipped.map((k) => `  skipped ${k.count}: ${k.reason}`),
            ].join('\n'),
          );
        });
      }),
    );

  const domain = program.command('domain').description('Sending domains: DKIM keys and their DNS records');
  const showDomain = (d: SendingDomain): string =>
    [
      `${d.domain} (DKIM selector ${d.selector}). Publish in DNS:`,
      ...d.records.map(
        (r) => `  ${r.purpose.toUpperCase().padEnd(5)} ${r.type} ${r.name}\n        "${r.value}"`,
      ),
      d.check
        ? d.check.missing.length === 0
          ? '  check: SPF, DKIM and DMARC found'
          : `  check: ${d.check.missing.join('; ')}`
        : `  not checked yet: posthorn domain check ${d.domain}`,
    ].join('\n');
  withJson(domain.command('add <domain>'))
    .description(
      'Add a sending domain: generates a 2048-bit RSA DKIM key and prints the DNS records to publish',
    )
    .addHelpText('after', '\nExample:\n  posthorn domain add news.example.com')
    .action(
      action(setCode, async (output, name: string) => {
        await withApp(async (app, cliActor) => {
          const d = await app.services.sendingDomains.add({ domain: name }, cliActor);
          output.result(d, showDomain(d));
        });
      }),
    );
  withJson(domain.command('check <domain>'))
    .description('Look up SPF, DKIM and DMARC in DNS and report what is missing')
    .addHelpText('after', '\nExample:\n  posthorn domain check news.example.com')
    .action(
      action(setCode, async (output, name: string) => {
        await withApp(async (app, cliActor) => {
          const d = await app.services.sendingDomains.byName(name);
          const checked = await app.services.sendingDomains.check(d.id, cliActor);
          output.result(checked, showDomain(checked));
        });
      }),
    );
  withJson(domain.command('list'))
    .description('List sending domains with their DNS records')
    .action(
      action(setCode, async (output) => {
        await withApp(async (app) => {
          const all = await app.services.sendingDomains.list();
          output.result(
            all,
            all.map(showDomain).join('\n\n') || 'no sending domains yet: posthorn domain add example.com',
          );
        });
      }),
    );

  const apikey = program.command('apikey').description('API keys for integrations');
  withJson(apikey.command('create'))
    .description('Create an API key; the key is printed once, as the last line')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--role <role>', `role (${['admin', 'marketer', 'analyst'].join(', ')} or your own)`, 'admin')
    .addHelpText(
      'after',
      '\nExample:\n  KEY=$(posthorn apikey create --name crm-sync --role marketer | tail -1)',
    )
    .action(
      action(setCode, async (output, opts: { name: string; role: string }) => {
        await withApp(async (app, cliActor) => {
          const { apiKey, key } = await app.services.access.createApiKey(opts.name, opts.role, cliActor);
          output.result(
            { ...apiKey, key },
            `API key ${apiKey.id} "${apiKey.name}" (${apiKey.role}); it is shown only now:\n${key}`,
          );
        });
      }),
    );
  withJson(apikey.command('list'))
    .description('List API keys (never the keys themselves)')
    .action(
      action(setCode, async (output) => {
        await withApp(async (app) => {
          const keys = await app.services.access.listApiKeys();
          output.result(
            keys,
            table([
              ['id', 'name', 'prefix', 'role', 'revoked'],
              ...keys.map((k) => [k.id, k.name, k.prefix, k.role, k.revokedAt ? 'yes' : '']),
            ]),
          );
        });
      }),
    );
  withJson(apikey.command('revoke <id>'))
    .description('Revoke an API key')
    .action(
      action(setCode, async (output, id: string) => {
        await withApp(async (app, cliActor) => {
          await app.services.access.revokeApiKey(Number(id), cliActor);
          output.result({ revoked: Number(id) }, `revoked API key ${id}`);
        });
      }),
    );

  withJson(program.command('demo'))
    .description(
      'Load a realistic sample CRM (about 2,000 persons at 300 Nordic companies) into an empty database',
    )
    .option('--persons <n>', 'how many persons', '2000')
    .addHelpText('after', '\nExample:\n  npx posthorn demo && npx posthorn serve')
    .action(
      action(setCode, async (output, opts: { persons: string }) => {
        const [{ loadDemo }, { loadDemoMailing }] = await Promise.all([
          import('../crm/index.js'),
          load.app(),
        ]);
        await withApp(async (app, cliActor) => {
          const s = app.services;
          const crm = await loadDemo(s, cliActor, {
            persons: Math.max(10, Math.min(200_000, Number(opts.persons) || 2000)),
          });
          const mailing = await loadDemoMailing(s);
          const summary = { ...crm, mailing };
          output.result(
            summary,
            [
              `Demo CRM loaded: ${summary.persons} persons at ${summary.companies} companies`,
              `  ${summary.invalidEmails} with an invalid e-mail, ${summary.withoutMobile} without mobile, ${summary.withoutConsent} without consent, ${summary.unsubscribed} unsubscribed`,
              `  ${summary.subscriptionTypes} subscription types, ${summary.selections} selections, ${summary.projects} projects, ${summary.users} employees`,
              `  a draft e-mail mailing (id ${mailing.mailingId}): ${mailing.ready} ready, ${mailing.blocked} blocked (GET /api/v1/mailings/${mailing.mailingId}/recipients/summary)`,
            ].join('\n'),
          );
        });
      }),
    );
}
