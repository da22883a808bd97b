import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderApp } from '../test/render';

// the API client takes `fetch` when it is created, so it is stubbed before anything is imported
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

const me = {
  kind: 'user',
  label: 'Kari',
  user: {
    id: 1,
    email: 'kari@example.com',
    name: 'Kari Nordmann',
    role: 'marketer',
    timeZone: 'Europe/Oslo',
    isActive: true,
  },
  rights: ['viewStatistics'],
};

afterEach(() => fetchMock.mockReset());

describe('LoginPage', () => {
  it("shows the API's message and code next to the password, and sends the CSRF header", async () => {
    fetchMock.mockImplementation(async () =>
      json(401, { error: { code: 'LOGIN_FAILED', message: 'wrong e-mail or password', details: {} } }),
    );
    renderApp('/login');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/E-mail/), 'kari@example.com');
    await user.type(screen.getByLabelText(/Password/), 'not the password');
    await user.click(screen.getByRole('button', { name: 'Log in' }));

    const password = screen.getByLabelText(/Password/);
    await waitFor(() => expect(password).toHaveAccessibleDescription(/Wrong e-mail or password/));
    expect(password).toHaveAccessibleDescription(/LOGIN_FAILED/);
    const request = fetchMock.mock.calls[0]?.[0];
    expect(request?.url).toMatch(/\/api\/v1\/auth\/login$/);
    expect(request?.headers.get('x-posthorn-csrf')).toBe('1');
  });

  it('asks for what is missing without calling the API', async () => {
    renderApp('/login');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Log in' }));
    expect(await screen.findByText('Enter your e-mail address')).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('offers a retry when Posthorn cannot be reached', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    renderApp('/login');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/E-mail/), 'kari@example.com');
    await user.type(screen.getByLabelText(/Password/), 'secret secret');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByText('No connection to Posthorn')).toBeInTheDocument();
    expect(screen.getByText('NETWORK_ERROR')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('goes on to the deep link it was sent from', async () => {
    fetchMock.mockImplementation(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/v1/auth/login') return json(200, { user: me.user, expiresAt: Date.now() + 1e6 });
      if (path === '/api/v1/auth/me') return json(200, me);
      return json(200, { items: [], total: 0 });
    });
    const { router } = renderApp('/login?redirect=%2Fmailings%3Fq%3Dspring');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/E-mail/), 'kari@example.com');
    await user.type(screen.getByLabelText(/Password/), 'the right one');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/mailings'));
    expect(router.state.location.search).toEqual({ q: 'spring' });
  });
});

describe('the app behind the login', () => {
  it('returns to Login with the deep link when the session is gone', async () => {
    fetchMock.mockImplementation(async () =>
      json(401, { error: { code: 'UNAUTHENTICATED', message: 'log in first', details: {} } }),
    );
    const { router } = renderApp('/mailings?state=draft');
    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));
    expect(router.state.location.search).toEqual({ redirect: '/mailings?state=draft' });
  });

  it('shows the error and a retry when the server fails, never a blank page', async () => {
    fetchMock.mockImplementation(async () =>
      json(500, { error: { code: 'INTERNAL', message: 'an unexpected error happened', details: {} } }),
    );
    renderApp('/mailings');
    expect(
      await screen.findByText('An unexpected error happened', {}, { timeout: 5000 }),
    ).toBeInTheDocument();
    expect(screen.getByText('INTERNAL')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
