import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderApp } from '../test/render';

const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

const meWith = (rights: string[]) => ({
  kind: 'user',
  label: 'Kari',
  user: { id: 1, email: 'k@example.com', name: 'Kari', role: 'x', timeZone: 'Europe/Oslo', isActive: true },
  rights,
});

const domain = {
  id: 3,
  domain: 'example.com',
  selector: 'ph202611',
  records: [
    { type: 'TXT', name: 'ph202611._domainkey.example.com', value: 'v=DKIM1; k=rsa; p=KEY', purpose: 'dkim' },
    { type: 'TXT', name: 'example.com', value: 'v=spf1 mx a ~all', purpose: 'spf' },
    { type: 'TXT', name: '_dmarc.example.com', value: 'v=DMARC1; p=none', purpose: 'dmarc' },
  ],
  check: {
    spf: { found: true, record: 'v=spf1 -all' },
    dkim: { found: true, matches: false, record: 'v=DKIM1; p=OLD' },
    dmarc: { found: false, record: null, policy: null },
    missing: [],
  },
  checkedAt: 0,
  createdAt: 0,
};

function serve(rights: string[], extra: (url: URL, request: Request) => Response | null = () => null) {
  fetchMock.mockImplementation(async (request: Request) => {
    const url = new URL(request.url);
    const own = extra(url, request);
    if (own) return own;
    if (url.pathname === '/api/v1/auth/me') return json(200, meWith(rights));
    if (url.pathname === '/api/v1/sending-domains') return json(200, { items: [domain], total: 1 });
    if (url.pathname === '/api/v1/roles')
      return json(200, {
        items: [
          { id: 1, name: 'admin', rights: ['manageUsers', 'manageSettings'] },
          { id: 2, name: 'marketer', rights: ['viewCrm'] },
        ],
        total: 2,
      });
    return json(200, { items: [], total: 0 });
  });
}

afterEach(() => fetchMock.mockReset());

describe('settings', () => {
  it('tells a user without the rights that Settings need them (no blank page)', async () => {
    serve(['viewCrm', 'sendMailings']);
    renderApp('/settings');
    expect(
      await screen.findByRole(
        'heading',
        { name: 'You do not have the right to open this' },
        { timeout: 5000 },
      ),
    ).toBeInTheDocument();
    expect(screen.getByText(/Manage settings/)).toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Settings sections' })).not.toBeInTheDocument();
  });

  it('lists only the sections the rights allow', async () => {
    serve(['manageUsers']);
    renderApp('/settings/users');
    const nav = await screen.findByRole('navigation', { name: 'Settings sections' }, { timeout: 5000 });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['Users', 'Roles', 'API keys']);
  });

  it('shows a failed load with its message, code and a retry (never a blank section)', async () => {
    let fail = true;
    serve(['manageSettings'], (url) =>
      url.pathname === '/api/v1/email-accounts' && fail
        ? json(503, { error: { code: 'DATABASE_UNAVAILABLE', message: 'the database does not answer' } })
        : null,
    );
    renderApp('/settings/email-accounts');
    const alert = await screen.findByRole('alert', {}, { timeout: 5000 });
    expect(alert).toHaveTextContent('The e-mail accounts could not be loaded');
    expect(alert).toHaveTextContent('The database does not answer');
    expect(alert).toHaveTextContent('DATABASE_UNAVAILABLE');
    fail = false;
    await userEvent.setup().click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText(/No e-mail accounts yet/)).toBeInTheDocument();
  });

  it('shows each DNS record’s check result, with what was found', async () => {
    serve(['manageSettings']);
    renderApp('/settings/sending-domains');
    const card = await screen.findByRole('region', { name: 'example.com' }, { timeout: 5000 });
    expect(within(card).getByText('Wrong value')).toBeInTheDocument();
    expect(within(card).getByText('Found')).toBeInTheDocument();
    expect(within(card).getByText('Missing')).toBeInTheDocument();
    expect(within(card).getByText('Found in DNS: v=DKIM1; p=OLD')).toBeInTheDocument();
    expect(within(card).getByRole('button', { name: 'Copy DKIM (signature key) value' })).toBeInTheDocument();
  });

  it('shows RIGHT_NOT_HELD next to the role of a new user', { timeout: 30_000 }, async () => {
    serve(['manageUsers'], (url, request) =>
      url.pathname === '/api/v1/users' && request.method === 'POST'
        ? json(403, {
            error: {
              code: 'RIGHT_NOT_HELD',
              message:
                'you cannot grant or change what holds rights you do not have yourself: manageSettings',
              details: { field: 'role', missing: ['manageSettings'] },
            },
          })
        : null,
    );
    renderApp('/settings/users');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Add user' }, { timeout: 5000 }));
    const dialog = await screen.findByRole('dialog', { name: 'Add user' });
    // pasted, not typed: each typed key re-renders the whole form (slow in jsdom)
    await user.click(within(dialog).getByRole('textbox', { name: 'Name' }));
    await user.paste('Ola');
    await user.click(within(dialog).getByRole('textbox', { name: /E-mail/ }));
    await user.paste('ola@example.com');
    await user.click(within(dialog).getByRole('combobox', { name: 'Role' }));
    await user.click(await screen.findByRole('option', { name: 'admin', hidden: true }));
    await user.click(within(dialog).getByRole('button', { name: 'Add user' }));
    const role = within(dialog).getByRole('combobox', { name: 'Role' });
    await waitFor(() => expect(role).toHaveAccessibleDescription(/You cannot grant .* manageSettings/));
    expect(role).toHaveAccessibleDescription(/RIGHT_NOT_HELD/);
  });
});
