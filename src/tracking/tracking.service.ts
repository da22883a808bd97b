import { type Kysely, sql } from 'kysely';
import type { EmailTransport } from '../channels/email/index.js';
import { type Actor, type Clock, randomToken, systemActor, type TokenSigner } from '../core/index.js';
import {
  type PersonsService,
  PreferencesService,
  type ProjectsService,
  type SelectionsService,
} from '../crm/index.js';
import { type LinkAction, type MailingsService, trapLinkNo } from '../mailings/index.js';
import type { RecipientsService } from '../recipients/index.js';
import type { Renderer } from '../render/index.js';
import type { SettingsService } from '../settings/index.js';
import type { Database } from '../storage/index.js';
import { BurstDetector, clientFamily, machineByRequest, type RequestFacts } from './classify.js';
import type { EventIngest } from './ingest.js';
import {
  parseFreshManageToken,
  parseRecipientToken,
  type RecipientToken,
  type TrackingLinks,
} from './links.js';

// the token functions live in links.ts (no service dependencies); kept importable from here
export {
  parseRecipientToken,
  parseReturnPathToken,
  type RecipientToken,
  signReturnPathToken,
} from './links.js';

/** The hidden link every tracked e-mail carries: only a machine follows it. */
export const trapLink = trapLinkNo;

/** The result of looking a token up. */
export type Lookup<T> = { ok: true; value: T } | { ok: false; status: 404 | 410 };

export type ClickOutcome = { kind: 'redirect'; url: string } | { kind: 'page'; text: string };

export interface ManagePage {
  personName: string | null;
  address: string | null;
  types: Array<{ id: number; name: string; description: string | null; subscribed: boolean }>;
  test: boolean;
}

const linkActor: Actor = systemActor('link action', []);

/**
 * The public side of a sent message (PRODUCT.md §7, §10, §16): the open pixel, click redirects
 * with link actions, view online, unsubscribe (one click, RFC 8058) and manage subscriptions.
 * Tokens are HMAC-signed and carry only ids; a forged one is "not found", a manage link older than
 * the link expiry is "gone". Test sends' tokens work but are never counted and change nothing.
 */
export class TrackingService {
  private readonly links = new Map<
    number,
    { at: number; byNo: Map<number, { target: string; actions: LinkAction[] }> }
  >();
  private readonly bursts = new BurstDetector();
  private mailer: { transport: EmailTransport; from: string } | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly signer: TokenSigner,
    private readonly ingest: EventIngest,
    private readonly deps: {
      mailings: MailingsService;
      recipients: RecipientsService;
      settings: SettingsService;
      persons: PersonsService;
      selections: SelectionsService;
      projects: ProjectsService;
      /** View online is rendered by the one renderer (the same code as preview and send). */
      render: Pick<Renderer, 'viewOnline'>;
    },
    /** The public addresses (the fresh manage link). */
    private readonly addresses: TrackingLinks,
    /** The one writer of subscriptions and blocked addresses (unsubscribe, manage subscriptions). */
    private readonly preferences: PreferencesService = new PreferencesService(db, clock, {
      // its unsubscribe and save methods audit nothing (the person acts through a token)
      record: async () => {},
    }),
  ) {}

  /** Where "send me a fresh link" e-mails go out (the app wires its transport). */
  setMailer(transport: EmailTransport, from: string): void {
    this.mailer = { transport, from };
  }

  /** Writes the queued events and stops taking new ones (graceful shutdown). */
  close(): Promise<void> {
    return this.ingest.close();
  }

  /** Events committed by this process (the tracking benchmark compares them with acknowledged requests). */
  get committedEvents(): number {
    return this.ingest.committed;
  }

  recipientToken(token: string): RecipientToken | null {
    return parseRecipientToken(this.signer, token);
  }

  /** Records an open; false for a forged token. Resolves after the event is committed. */
  async open(token: string, facts: Omit<RequestFacts, 'kind'>): Promise<boolean> {
    const t = this.recipientToken(token);
    if (!t) return false;
    if (t.test) return true;
    const at = this.clock.now();
    const machine = machineByRequest({ ...facts, kind: 'open' });
    await this.ingest.record({
      mailingId: t.mailingId,
      recipientId: t.recipientId,
      kind: 'open',
      linkNo: null,
      machine,
      client: clientFamily(facts.userAgent),
      at,
    });
    return true;
  }

  /**
   * Records a click and runs the link's actions; answers where to go. Only a link of that mailing
   * can be a target (no open redirect): an unknown link number is "not found".
   */
  async click(
    token: string,
    linkNo: number,
    facts: Omit<RequestFacts, 'kind'>,
  ): Promise<Lookup<ClickOutcome>> {
    const t = this.recipientToken(token);
    if (!t) return { ok: false, status: 404 };
    const at = this.clock.now();
    if (linkNo === trapLink) {
      if (!t.test) {
        this.bursts.click(t.recipientId, linkNo, at);
        await this.ingest.record({
          mailingId: t.mailingId,
          recipientId: t.recipientId,
          kind: 'click',
          linkNo,
          machine: 'trapLink',
          client: null,
          at,
        });
      }
      return { ok: true, value: { kind: 'page', text: '' } };
    }
    const link = (await this.linksOf(t.mailingId)).get(linkNo);
    if (!link) return { ok: false, status: 404 };
    if (!t.test) {
      const burst = this.bursts.click(t.recipientId, linkNo, at);
      const machine =
        machineByRequest({ ...facts, kind: 'click' }) ?? (burst ? 'manyLinksInOneSecond' : null);
      await this.ingest.record({
        mailingId: t.mailingId,
        recipientId: t.recipientId,
        kind: 'click',
        linkNo,
        machine,
        client: clientFamily(facts.userAgent),
        at,
      });
      // a machine's click counts, but never changes the CRM
      if (machine === null && facts.method !== 'HEAD') await this.runActions(t, link.actions);
    }
    const page = link.actions.find((a) => a.type === 'textPage');
    return {
      ok: true,
      value:
        page && page.type === 'textPage'
          ? { kind: 'page', text: page.text }
          : { kind: 'redirect', url: link.target },
    };
  }

  /** The message as the recipient got it, with working links (the view-online page). */
  async viewOnline(token: string): Promise<Lookup<{ subject: string; html: string }>> {
    const view = await this.deps.render.viewOnline(token);
    return view ? { ok: true, value: view } : { ok: false, status: 404 };
  }

  /** What the unsubscribe page names: the subscription type. */
  async unsubscribeInfo(
    token: string,
  ): Promise<Lookup<{ typeName: string | null; test: boolean; done: boolean }>> {
    const t = this.recipientToken(token);
    if (!t) return { ok: false, status: 404 };
    const row = await this.db
      .selectFrom('recipients as r')
      .innerJoin('mailings as m', 'm.id', 'r.mailing_id')
      .leftJoin('subscription_types as st', 'st.id', 'm.subscription_type_id')
      .select(['st.name', 'r.unsubscribed_at'])
      .where('r.id', '=', t.recipientId)
      .where('r.mailing_id', '=', t.mailingId)
      .executeTakeFirst();
    if (!row) return { ok: false, status: 404 };
    return { ok: true, value: { typeName: row.name, test: t.test, done: row.unsubscribed_at !== null } };
  }

  /**
   * Unsubscribes the recipient from the mailing's subscription type (from every type when the
   * mailing is for Any): cancelled with the source, time and mailing; later mailings of that type
   * block them as `noSubscription`, other types still reach them. An address without a person
   * becomes a blocked address. Idempotent: a replayed request changes nothing more.
   */
  async unsubscribe(
    token: string,
    source: 'oneClick' | 'unsubscribePage' | 'mailto',
  ): Promise<Lookup<{ typeName: string | null; test: boolean }>> {
    const info = await this.unsubscribeInfo(token);
    if (!info.ok) return info;
    const t = this.recipientToken(token) as RecipientToken;
    if (t.test) return { ok: true, value: { typeName: info.value.typeName, test: true } };
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const r = await trx
        .selectFrom('recipients as r')
        .innerJoin('mailings as m', 'm.id', 'r.mailing_id')
        .select(['r.person_id', 'r.address', 'r.unsubscribed_at', 'm.subscription_type_id', 'm.channel'])
        .where('r.id', '=', t.recipientId)
        .executeTakeFirstOrThrow();
      const who =
        r.person_id !== null
          ? { personId: r.person_id }
          : r.address
            ? { address: r.address, channel: r.channel }
            : null;
      if (who) await this.preferences.unsubscribe(who, r.subscription_type_id, source, t.mailingId, trx);
      if (r.unsubscribed_at === null) {
        await trx
          .updateTable('recipients')
          .set({ unsubscribed_at: now })
          .where('id', '=', t.recipientId)
          .execute();
        await trx
          .insertInto('mailing_stats')
          .values({ mailing_id: t.mailingId, unsubscribed: 1 })
          .onConflict((oc) =>
            oc.column('mailing_id').doUpdateSet({ unsubscribed: sql`mailing_stats.unsubscribed + 1` }),
          )
          .execute();
      }
    });
    return { ok: true, value: { typeName: info.value.typeName, test: false } };
  }

  /**
   * The manage-subscriptions page of a recipient token (valid `linkExpiryDays` after it was sent)
   * or of a fresh link (valid as long from when it was issued). Older: 410 Gone.
   */
  async managePage(token: string): Promise<Lookup<ManagePage>> {
    const who = await this.manageSubject(token);
    if (!who.ok) return who;
    const { personId, address, test } = who.value;
    const all = await this.db
      .selectFrom('subscription_types')
      .select(['id', 'name', 'description'])
      .orderBy('name')
      .execute();
    const active = new Set(
      personId === null
        ? []
        : (
            await this.db
              .selectFrom('subscriptions')
              .select('subscription_type_id')
              .where('person_id', '=', personId)
              .where('status', '=', 'active')
              .execute()
          ).map((s) => s.subscription_type_id),
    );
    const types = all.map((t) => ({ ...t, subscribed: active.has(t.id) }));
    let personName: string | null = null;
    if (personId !== null) {
      const p = await this.db
        .selectFrom('persons')
        .select(['first_name', 'last_name'])
        .where('id', '=', personId)
        .executeTakeFirst();
      personName = p ? `${p.first_name} ${p.last_name}`.trim() : null;
    }
    return { ok: true, value: { personName, address, types, test } };
  }

  /** Saves the page: the checked types are active, the others cancelled (source `manageSubscriptions`). */
  async saveSubscriptions(token: string, typeIds: readonly number[]): Promise<Lookup<ManagePage>> {
    const who = await this.manageSubject(token);
    if (!who.ok) return who;
    const { personId, test, mailingId } = who.value;
    if (personId !== null && !test) {
      await this.db
        .transaction()
        .execute((trx) =>
          this.preferences.saveSubscriptions(
            personId,
            new Set(typeIds),
            'manageSubscriptions',
            mailingId,
            trx,
          ),
        );
    }
    return this.managePage(token);
  }

  /** An expired manage link asks for a fresh one: it goes by e-mail to the person's address. */
  async sendFreshManageLink(token: string): Promise<Lookup<{ sentTo: string }>> {
    const t = this.recipientToken(token) ?? this.freshToken(token);
    if (!t) return { ok: false, status: 404 };
    // a test message's link names only a sample recipient: nobody is mailed
    if ('test' in t && t.test) return { ok: true, value: { sentTo: '' } };
    const row =
      'recipientId' in t
        ? await this.db
            .selectFrom('recipients')
            .select(['person_id', 'address'])
            .where('id', '=', t.recipientId)
            .executeTakeFirst()
        : await this.db
            .selectFrom('persons')
            .select(['id as person_id', 'email as address'])
            .where('id', '=', t.personId)
            .executeTakeFirst();
    if (!row?.address || row.person_id === null) return { ok: false, status: 404 };
    const url = this.addresses.freshManage(row.person_id, this.clock.now());
    if (this.mailer) {
      const from = this.mailer.from;
      const { buildEmail } = await import('../channels/email/index.js');
      const raw = await buildEmail({
        from: { name: 'Posthorn', address: this.mailer.from },
        to: row.address,
        subject: 'Your link to manage your subscriptions',
        text: `Use this link to choose which mailings you receive:\n\n${url}\n`,
        html: `<p>Use this link to choose which mailings you receive:</p><p><a href="${url}">Manage subscriptions</a></p>`,
        // the sender's own domain (an FQDN), never a bare word
        messageId: `<manage.${row.person_id}.${this.clock.now()}.${randomToken(6)}@${from.slice(from.lastIndexOf('@') + 1)}>`,
        date: new Date(this.clock.now()),
        headers: {},
        attachments: [],
      });
      await this.mailer.transport.send({
        ledgerId: null,
        mailingId: null,
        from: this.mailer.from,
        to: row.address,
        subject: 'Your link to manage your subscriptions',
        raw,
        test: false,
      });
    }
    return { ok: true, value: { sentTo: row.address } };
  }

  private freshToken(token: string): { personId: number; issuedAt: number } | null {
    return parseFreshManageToken(this.signer, token);
  }

  private async manageSubject(
    token: string,
  ): Promise<
    Lookup<{ personId: number | null; address: string | null; test: boolean; mailingId: number | null }>
  > {
    const { linkExpiryDays } = await this.deps.settings.get();
    const maxAge = linkExpiryDays * 86_400_000;
    const now = this.clock.now();
    const t = this.recipientToken(token);
    if (t) {
      const r = await this.db
        .selectFrom('recipients')
        .select(['person_id', 'address', 'sent_at', 'status_at'])
        .where('id', '=', t.recipientId)
        .where('mailing_id', '=', t.mailingId)
        .executeTakeFirst();
      if (!r) return { ok: false, status: 404 };
      if (!t.test && now - (r.sent_at ?? r.status_at) > maxAge) return { ok: false, status: 410 };
      return {
        ok: true,
        value: { personId: r.person_id, address: r.address, test: t.test, mailingId: t.mailingId },
      };
    }
    const f = this.freshToken(token);
    if (!f) return { ok: false, status: 404 };
    if (now - f.issuedAt > maxAge) return { ok: false, status: 410 };
    const p = await this.db
      .selectFrom('persons')
      .select(['email'])
      .where('id', '=', f.personId)
      .executeTakeFirst();
    if (!p) return { ok: false, status: 404 };
    return { ok: true, value: { personId: f.personId, address: p.email, test: false, mailingId: null } };
  }

  private async linksOf(mailingId: number): Promise<Map<number, { target: string; actions: LinkAction[] }>> {
    const now = this.clock.now();
    const hit = this.links.get(mailingId);
    if (hit && now - hit.at < 30_000) return hit.byNo;
    const rows = await this.db
      .selectFrom('mailing_links as l')
      .leftJoin('tracked_links as t', 't.id', 'l.tracked_link_id')
      .select(['l.link_no', 'l.target_url', 't.actions'])
      .where('l.mailing_id', '=', mailingId)
      .execute();
    const byNo = new Map(
      rows.map((r) => [
        r.link_no,
        { target: r.target_url, actions: r.actions ? (JSON.parse(r.actions) as LinkAction[]) : [] },
      ]),
    );
    this.links.set(mailingId, { at: now, byNo });
    return byNo;
  }

  /** Link actions (PRODUCT.md §7), for a registered person; each failure is skipped, never the redirect. */
  private async runActions(t: RecipientToken, actions: readonly LinkAction[]): Promise<void> {
    if (!actions.some((a) => a.type !== 'redirect' && a.type !== 'textPage')) return;
    const r = await this.db
      .selectFrom('recipients as r')
      .leftJoin('persons as p', 'p.id', 'r.person_id')
      .leftJoin('companies as c', 'c.id', 'p.company_id')
      .select(['r.person_id', 'p.our_contact_id', 'c.our_contact_id as company_contact_id'])
      .where('r.id', '=', t.recipientId)
      .executeTakeFirst();
    const personId = r?.person_id ?? null;
    if (personId === null) return;
    const now = this.clock.now();
    for (const a of actions) {
      try {
        switch (a.type) {
          case 'setPersonField':
            await this.deps.persons.update(
              personId,
              a.field.startsWith('customFields.')
                ? { customFields: { [a.field.slice('customFields.'.length)]: a.value } }
                : { [a.field]: a.value },
              linkActor,
            );
            break;
          case 'setInterest':
          case 'clearInterest':
            await this.setInterest(personId, a.interest, a.type === 'setInterest', now);
            break;
          case 'addToSelection':
            await this.deps.selections.addMembers(a.selectionId, [personId], linkActor);
            break;
          case 'removeFromSelection':
            await this.deps.selections.removeMembers(a.selectionId, [personId], linkActor);
            break;
          case 'addToProject':
            await this.deps.projects.addMembers(a.projectId, { personIds: [personId] }, linkActor);
            break;
          case 'removeFromProject':
            await this.deps.projects.removeMember(a.projectId, personId, linkActor).catch(() => undefined);
            break;
          case 'createFollowUpTask':
            await this.db
              .insertInto('tasks')
              .values({
                person_id: personId,
                user_id: r?.our_contact_id ?? r?.company_contact_id ?? null,
                mailing_id: t.mailingId,
                title: a.text,
                created_at: now,
              })
              .execute();
            break;
          default:
            break;
        }
      } catch {
        // a link action that no longer fits (a deleted selection, an unknown field) never blocks the click
      }
    }
  }

  private async setInterest(personId: number, name: string, on: boolean, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      let interest = await trx
        .selectFrom('interests')
        .select('id')
        .where('name', '=', name)
        .executeTakeFirst();
      if (!interest && on)
        interest = await trx
          .insertInto('interests')
          .values({ name, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
      if (!interest) return;
      if (on)
        await trx
          .insertInto('person_interests')
          .values({ person_id: personId, interest_id: interest.id, added_at: now })
          .onConflict((oc) => oc.columns(['person_id', 'interest_id']).doNothing())
          .execute();
      else
        await trx
          .deleteFrom('person_interests')
          .where('person_id', '=', personId)
          .where('interest_id', '=', interest.id)
          .execute();
    });
  }
}
