import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderApp } from '../test/render';

const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

const me = {
  kind: 'user',
  label: 'Kari',
  user: { id: 1, email: 'k@example.com', name: 'Kari', role: 'marketer', timeZone: 'UTC', isActive: true },
  rights: ['viewStatistics', 'editMailings', 'editCrm', 'sendMailings'],
};

const mailing = {
  id: 7,
  name: 'Spring news',
  channel: 'email',
  state: 'finished',
  folderId: null,
  scheduledAt: null,
  createdAt: 0,
  updatedAt: 0,
};

const summary = {
  mailingId: 7,
  recipients: 10,
  sent: 8,
  delivered: 8,
  read: 2,
  clicked: 1,
  bounced: { soft: 0, hard: 0, total: 0 },
  unsubscribed: 0,
  complained: 0,
  failed: 0,
  blocked: { noConsent: 2 },
  opens: { human: 3, machine: 1 },
  clicks: { human: 1, machine: 0 },
  rates: { open: 0.25, click: 0.125, clickToOpen: 0.5, bounce: 0 },
  byStatus: { sent: 6, read: 2, blocked: 2 },
  progress: null,
};

function serve(extra: (url: URL) => Response | null = () => null) {
  fetchMock.mockImplementation(async (request: Request) => {
    const url = new URL(request.url);
    const own = extra(url);
    if (own) return own;
    const path = url.pathname;
    if (path === '/api/v1/auth/me') return json(200, me);
    if (path === '/api/v1/mailings/7') return json(200, mailing);
    if (path === '/api/v1/mailings/7/progress')
      return json(200, {
        mailingId: 7,
        state: 'finished',
        total: 8,
        byState: { sent: 8 },
        finishedAt: 0,
        round: 1,
      });
    if (path === '/api/v1/mailings/7/summary') return json(200, summary);
    return json(200, { items: [], total: 0 });
  });
}

afterEach(() => fetchMock.mockReset());

describe('View mailing', () => {
  it('shows a failed Summary with its message and code, and loads it again on Try again', async () => {
    let fail = true;
    serve((url) =>
      url.pathname === '/api/v1/mailings/7/summary' && fail
        ? json(503, { error: { code: 'DATABASE_BUSY', message: 'the database is busy', details: {} } })
        : null,
    );
    renderApp('/mailings/7/view');
    expect(await screen.findByText('The database is busy', {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByText('DATABASE_BUSY')).toBeInTheDocument();
    fail = false;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('count-read')).toHaveTextContent('2');
    // every number is a link to its recipients, with the rate's denominator as its description
    expect(screen.getByRole('link', { name: /^Read 2/ })).toHaveAttribute(
      'href',
      '/mailings/7/view?tab=recipients&read=true',
    );
    expect(screen.getByRole('link', { name: /^Open rate/ })).toHaveAccessibleDescription(
      '2 read of 8 delivered',
    );
  });

  it('asks the API for the filter in the URL, 100 a page', async () => {
    serve();
    renderApp('/mailings/7/view?tab=recipients&status=sent&read=false&page=2');
    await screen.findByRole('table', { name: 'Recipients' }, { timeout: 5000 });
    await waitFor(() => {
      const asked = fetchMock.mock.calls
        .map(([r]) => new URL(r.url))
        .find((u) => u.pathname === '/api/v1/mailings/7/followup/recipients' && u.searchParams.has('offset'));
      expect(asked?.searchParams.get('status')).toBe('sent');
      expect(asked?.searchParams.get('read')).toBe('false');
      expect(asked?.searchParams.get('limit')).toBe('100');
      expect(asked?.searchParams.get('offset')).toBe('100');
    });
    expect(screen.getByRole('combobox', { name: 'Read' })).toHaveValue('Not read');
  });

  it('shows the sending round live: progress, expected end, pause reason, Stop and Cancel', async () => {
    serve((url) => {
      if (url.pathname === '/api/v1/mailings/7') return json(200, { ...mailing, state: 'sending' });
      if (url.pathname === '/api/v1/mailings/7/progress')
        return json(200, {
          mailingId: 7,
          state: 'sending',
          round: 1,
          total: 10,
          byState: { sent: 4, ready: 6 },
          ratePerSecond: 0.5,
          expectedEndAt: Date.UTC(2026, 10, 29, 12, 0),
          finishedAt: null,
          pausedReason: 'the relay refused: try again in a minute',
        });
      return null;
    });
    renderApp('/mailings/7/view');
    expect(await screen.findByTestId('sending-count', {}, { timeout: 5000 })).toHaveTextContent(
      '4 of 10 sent',
    );
    expect(screen.getByRole('progressbar', { name: 'Sent' })).toHaveAttribute('aria-valuenow', '40');
    expect(screen.getByText(/^Expected to end/)).toBeInTheDocument();
    expect(screen.getByText('The relay refused: try again in a minute')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Stop' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Cancel the mailing' })).toBeInTheDocument();
  });
});
