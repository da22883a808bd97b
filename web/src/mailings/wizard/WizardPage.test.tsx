import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderApp } from '../../test/render';

const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

const meWith = (rights: string[]) => ({
  kind: 'user',
  label: 'Kari',
  user: {
    id: 1,
    email: 'k@example.com',
    name: 'Kari',
    role: 'marketer',
    timeZone: 'Europe/Oslo',
    isActive: true,
  },
  rights,
});

const mailing = {
  id: 7,
  name: 'Reminder',
  channel: 'sms',
  state: 'draft',
  folderId: null,
  scheduledAt: null,
  createdAt: 0,
  updatedAt: 0,
  selectionId: 4,
  projectId: null,
  subscriptionTypeId: null,
  templateId: null,
  setup: { sender: '', allowReplies: false },
  recipientOptions: {
    onePerAddress: true,
    overrideConsent: false,
    includeCompanies: false,
    preferCompany: false,
    updateListWhenSending: false,
  },
  content: { text: 'Hi' },
  contentVersion: 1,
  revision: 1,
};

const steps = {
  items: [
    {
      step: 'setup',
      complete: false,
      errors: [{ field: 'setup.sender', code: 'INVALID_SMS_SENDER', message: 'the sender is empty' }],
    },
    { step: 'template', complete: true, errors: [] },
    { step: 'content', complete: true, errors: [] },
    { step: 'recipients', complete: true, errors: [] },
    {
      step: 'confirm',
      complete: false,
      errors: [{ field: 'setup', code: 'STEP_INCOMPLETE', message: 'the setup step is incomplete' }],
    },
  ],
};

function serve(rights: string[], extra: (url: URL, request: Request) => Response | null = () => null) {
  fetchMock.mockImplementation(async (request: Request) => {
    const url = new URL(request.url);
    const own = extra(url, request);
    if (own) return own;
    const path = url.pathname;
    if (path === '/api/v1/auth/me') return json(200, meWith(rights));
    if (path === '/api/v1/mailings/7') return json(200, mailing);
    if (path === '/api/v1/mailings/7/steps') return json(200, steps);
    if (path === '/api/v1/mailings/7/recipients/summary')
      return json(200, { total: 3, byStatus: { ready: 3 }, byReason: {}, stale: false, builtAt: 0 });
    return json(200, { items: [], total: 0 });
  });
}

afterEach(() => fetchMock.mockReset());

describe('the wizard', () => {
  it('shows each step as complete or needing attention, and keeps Send disabled while one is red', async () => {
    serve(['editMailings', 'sendMailings']);
    renderApp('/mailings/7?step=confirm');
    await screen.findByText('Steps', {}, { timeout: 5000 });
    // the state is in each tab's text (visually hidden next to the icon)
    expect(screen.getByRole('tab', { name: /Setup/ })).toHaveTextContent('Setup (needs attention)');
    expect(screen.getByRole('tab', { name: /Template/ })).toHaveTextContent('Template (complete)');
    expect(screen.getByText('The sender is empty')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send now' })).toBeDisabled();
  });

  it('shows no Send for a user without the right to send', async () => {
    serve(['editMailings']);
    renderApp('/mailings/7?step=confirm');
    expect(await screen.findByRole('tab', { name: /Setup/ })).toBeInTheDocument();
    await screen.findByText('Steps');
    expect(screen.queryByRole('button', { name: 'Send now' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Send test' })).not.toBeInTheDocument();
  });

  it("shows a refused test send's message and code next to the addresses", async () => {
    serve(['editMailings', 'sendMailings'], (url) =>
      url.pathname === '/api/v1/mailings/7/test-send'
        ? json(400, {
            error: {
              code: 'TEST_ADDRESS_BLOCKED',
              message: '+4799999999 is blocked (unsubscribed)',
              details: { field: 'addresses' },
            },
          })
        : null,
    );
    renderApp('/mailings/7?step=confirm');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Mobile numbers/), '+4799999999');
    await user.click(screen.getByRole('button', { name: 'Send test' }));
    const field = screen.getByLabelText(/Mobile numbers/);
    await waitFor(() =>
      expect(field).toHaveAccessibleDescription(/\+4799999999 is blocked \(unsubscribed\)/),
    );
    expect(field).toHaveAccessibleDescription(/TEST_ADDRESS_BLOCKED/);
    expect(field).toHaveValue('+4799999999');
  });

  it('keeps the input when a save is refused and shows the message next to the field', async () => {
    serve(['editMailings', 'sendMailings'], (url, request) =>
      url.pathname === '/api/v1/mailings/7' && request.method === 'PATCH'
        ? json(400, {
            error: {
              code: 'SETUP_INVALID',
              message: 'setup.sender: a sender is at most 11 letters and digits',
              details: { field: 'setup.sender' },
            },
          })
        : null,
    );
    renderApp('/mailings/7?step=setup');
    const user = userEvent.setup();
    const sender = await screen.findByRole('textbox', { name: /^Sender/ });
    await user.type(sender, 'A sender that is far too long');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(sender).toHaveAccessibleDescription(/a sender is at most 11 letters and digits/),
    );
    expect(sender).toHaveValue('A sender that is far too long');
    expect(screen.getByText('SETUP_INVALID')).toBeInTheDocument();
  });

  it('shows the progress of a sending mailing with its rate, pause reason and Stop and Cancel', async () => {
    serve(['editMailings', 'sendMailings', 'viewStatistics'], (url) => {
      if (url.pathname === '/api/v1/mailings/7') return json(200, { ...mailing, state: 'sending' });
      if (url.pathname === '/api/v1/mailings/7/progress')
        return json(200, {
          mailingId: 7,
          state: 'sending',
          total: 100,
          byState: { sent: 40, ready: 60 },
          ratePerSecond: 2,
          expectedEndAt: Date.UTC(2026, 11, 1, 9, 0),
          finishedAt: null,
          pausedReason: 'the SMS gateway does not answer',
          scheduledAt: null,
        });
      return null;
    });
    renderApp('/mailings/7?step=confirm');
    expect(await screen.findByText('40 of 100 sent', {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByText('120 messages a minute')).toBeInTheDocument();
    expect(screen.getByText(/Expected to end/)).toBeInTheDocument();
    expect(screen.getByText('The SMS gateway does not answer')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Stop' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Cancel the mailing' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save and close' })).not.toBeInTheDocument();
  });
});
