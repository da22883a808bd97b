import { escapeHtml } from '../merge/index.js';

/**
 * Server-rendered public pages (unsubscribe, manage subscriptions, errors): plain HTML that works
 * without JavaScript. Every value is escaped; nothing of a request is echoed unescaped.
 */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}
button{font:inherit;padding:.5rem 1.2rem;border-radius:4px;border:1px solid #245;background:#245;color:#fff;cursor:pointer}
label{display:block;margin:.4rem 0}.muted{color:#666}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

export const notFoundPage = page('Not found', '<p>This link is not valid.</p>');

export function gonePage(freshAction: string): string {
  return page(
    'This link has expired',
    `<p>For your protection, links to manage your subscriptions are valid for a limited time.</p>
<form method="post" action="${escapeHtml(freshAction)}"><button type="submit">E-mail me a new link</button></form>`,
  );
}

export function unsubscribeConfirmPage(action: string, typeName: string | null, done: boolean): string {
  const what = typeName ? `“${escapeHtml(typeName)}”` : 'our mailings';
  if (done) return page('You are unsubscribed', `<p>You no longer receive ${what}.</p>`);
  return page(
    'Unsubscribe',
    `<p>Do you want to stop receiving ${what}?</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button></form>`,
  );
}

export function unsubscribedPage(typeName: string | null, test: boolean): string {
  const what = typeName ? `“${escapeHtml(typeName)}”` : 'our mailings';
  return page(
    'You are unsubscribed',
    `<p>You no longer receive ${what}.</p>${test ? '<p class="muted">This was a test message: nothing was changed.</p>' : ''}`,
  );
}

export function managePage(
  action: string,
  p: {
    personName: string | null;
    address: string | null;
    types: Array<{ id: number; name: string; description: string | null; subscribed: boolean }>;
    test: boolean;
  },
  saved: boolean,
): string {
  const who = p.personName || p.address;
  const boxes = p.types
    .map(
      (t) =>
        `<label><input type="checkbox" name="type" value="${t.id}"${t.subscribed ? ' checked' : ''}> ${escapeHtml(t.name)}${
          t.description ? ` <span class="muted">— ${escapeHtml(t.description)}</span>` : ''
        }</label>`,
    )
    .join('\n');
  return page(
    'Your subscriptions',
    `${who ? `<p>For ${escapeHtml(who)}.</p>` : ''}${saved ? '<p><strong>Saved.</strong></p>' : ''}${
      p.test ? '<p class="muted">This is a test message: saving changes nothing.</p>' : ''
    }
<form method="post" action="${escapeHtml(action)}">
${boxes || '<p>There are no subscription types.</p>'}
<p><button type="submit">Save</button></p></form>`,
  );
}

export function freshLinkSentPage(): string {
  return page('Check your inbox', '<p>We sent you a new link to manage your subscriptions.</p>');
}
