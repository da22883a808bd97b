import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderApp } from '../../../test/render';

const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

// the source's auto-sizing text area listens to font loading, which jsdom does not have
if (!('fonts' in document))
  Object.defineProperty(document, 'fonts', {
    value: { addEventListener: () => undefined, removeEventListener: () => undefined },
  });

// GrapesJS needs a real browser (web/e2e/editor.spec.ts); here only which editor shows matters
vi.mock('./MjmlEditor', () => ({ MjmlEditor: () => <p>The visual editor</p> }));

const email = (content: { format: 'mjml' | 'html'; source: string }, state = 'draft') => ({
  id: 9,
  name: 'Autumn news',
  channel: 'email',
  state,
  folderId: null,
  scheduledAt: null,
  createdAt: 0,
  updatedAt: 0,
  selectionId: null,
  projectId: null,
  subscriptionTypeId: null,
  templateId: 1,
  setup: { subject: 'News', trackedLinkIds: [] },
  recipientOptions: {
    onePerAddress: true,
    overrideConsent: false,
    includeCompanies: false,
    preferCompany: false,
    updateListWhenSending: false,
  },
  content,
  contentVersion: 1,
  revision: 1,
});

function serve(mailing: ReturnType<typeof email>) {
  fetchMock.mockImplementation(async (request: Request) => {
    const path = new URL(request.url).pathname;
    if (path === '/api/v1/auth/me')
      return json(200, { kind: 'user', label: 'Kari', user: null, rights: ['editMailings'] });
    if (path === '/api/v1/mailings/9') return json(200, mailing);
    return json(200, { items: [], total: 0 });
  });
}

afterEach(() => {
  fetchMock.mockReset();
  localStorage.clear();
});

describe('the e-mail Content step', () => {
  it('opens MJML in the visual editor and keeps Source as a second mode, remembered', async () => {
    serve(email({ format: 'mjml', source: '<mjml><mj-body></mj-body></mjml>' }));
    renderApp('/mailings/9?step=content');
    expect(await screen.findByText('The visual editor', {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: 'MJML source' })).not.toBeInTheDocument();
    await userEvent.setup().click(screen.getByText('Source', { exact: true }));
    expect(screen.getByRole('textbox', { name: 'MJML source' })).toHaveValue(
      '<mjml><mj-body></mj-body></mjml>',
    );
    expect(screen.queryByText('The visual editor')).not.toBeInTheDocument();
    expect(localStorage.getItem('posthorn.contentMode')).toBe('source');
  });

  it('edits HTML in the source only', async () => {
    serve(email({ format: 'html', source: '<p>Hello</p>' }));
    renderApp('/mailings/9?step=content');
    expect(await screen.findByRole('textbox', { name: 'HTML source' }, { timeout: 5000 })).toHaveValue(
      '<p>Hello</p>',
    );
    expect(screen.queryByText('Visual', { exact: true })).not.toBeInTheDocument();
    expect(screen.queryByText('The visual editor')).not.toBeInTheDocument();
  });

  it('asks before leaving with unsaved changes, and stays when asked to', async () => {
    localStorage.setItem('posthorn.contentMode', 'source');
    serve(email({ format: 'mjml', source: '<mjml></mjml>' }));
    const { router } = renderApp('/mailings/9?step=content');
    const user = userEvent.setup();
    await user.type(await screen.findByRole('textbox', { name: 'MJML source' }, { timeout: 5000 }), ' ');
    expect(screen.getByText('Unsaved changes')).toBeInTheDocument();

    await user.click(screen.getAllByRole('link', { name: 'Mailings' })[0] as HTMLElement);
    const dialog = await screen.findByRole('dialog', { name: 'Leave without saving?' });
    await user.click(within(dialog).getByRole('button', { name: 'Stay' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(router.state.location.pathname).toBe('/mailings/9');
    expect(screen.getByRole('textbox', { name: 'MJML source' })).toHaveValue('<mjml></mjml> ');

    await user.click(screen.getAllByRole('link', { name: 'Mailings' })[0] as HTMLElement);
    await user.click(
      within(await screen.findByRole('dialog', { name: 'Leave without saving?' })).getByRole('button', {
        name: 'Leave without saving',
      }),
    );
    await waitFor(() => expect(router.state.location.pathname).toBe('/mailings'));
  });
});
