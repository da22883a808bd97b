import { admin, expect, expectAccessible, logIn, marketer, screenshot, test } from './fixtures.js';

const sections = [
  ['General', 'settings-general'],
  ['E-mail accounts', 'settings-email-accounts'],
  ['SMS gateways', 'settings-sms-gateways'],
  ['Sending domains', 'settings-sending-domains'],
  ['Subscription types', 'settings-subscription-types'],
  ['Users', 'settings-users'],
  ['Roles', 'settings-roles'],
  ['API keys', 'settings-api-keys'],
] as const;

// a run against a server kept from an earlier run must not meet its own names
const unique = Date.now().toString(36);

test.describe('settings', () => {
  test('an administrator opens every section from the section list; each is a link', async ({ page }) => {
    test.setTimeout(90_000);
    await logIn(page, admin());
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    // /settings goes on to the first section
    await expect(page).toHaveURL(/\/settings\/general$/);
    const list = page.getByRole('navigation', { name: 'Settings sections' });
    for (const [label, shot] of sections) {
      await list.getByRole('link', { name: label, exact: true }).click();
      await expect(page.getByRole('heading', { level: 2, name: label, exact: true })).toBeVisible();
      await expect(page.getByLabel(/^Loading/)).toHaveCount(0);
      await expect(list.getByRole('link', { name: label, exact: true })).toHaveAttribute(
        'aria-current',
        'page',
      );
      await expectAccessible(page);
      await screenshot(page, shot);
    }
    // a deep link opens its section
    await page.goto('/settings/roles');
    await expect(
      page.getByRole('table', { name: 'Roles' }).getByRole('row', { name: /marketer/ }),
    ).toBeVisible();
  });

  test('a sending domain shows its DNS records to copy, and Check shows a result per record', async ({
    page,
  }) => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await logIn(page, admin());
    await page.goto('/settings/sending-domains');
    const domain = `news-${unique}.example.com`;
    await page.getByRole('textbox', { name: 'Domain' }).fill(domain);
    await page.getByRole('button', { name: 'Add domain' }).click();
    const card = page.getByRole('region', { name: domain });
    await expect(card.getByText('DKIM (signature key)')).toBeVisible();
    await expect(card.getByText('Not checked yet', { exact: true })).toHaveCount(3);
    await expect(card.getByText(`_dmarc.${domain}`, { exact: true })).toBeVisible();
    await card.getByRole('button', { name: 'Copy DKIM (signature key) value' }).click();
    await expect(card.getByRole('button', { name: 'Copied DKIM (signature key) value' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(
      /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+$/,
    );

    // no real DNS here: every record is reported missing, each on its own
    await card.getByRole('button', { name: `Check DNS of ${domain}` }).click();
    await expect(card.getByText('Missing', { exact: true })).toHaveCount(3, { timeout: 20_000 });
    await expect(card.getByText('Not verified')).toBeVisible();
    await expect(card.getByText(/last checked/)).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'settings-sending-domains-checked');

    // removed after a confirmation
    await card.getByRole('button', { name: `Remove ${domain}` }).click();
    await page
      .getByRole('dialog', { name: `Remove ${domain}?` })
      .getByRole('button', { name: 'Remove domain' })
      .click();
    await expect(card).toHaveCount(0);
  });

  test('an API key is shown once, listed without its secret after a reload, and revoked', async ({
    page,
    request,
  }) => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await logIn(page, admin());
    await page.goto('/settings/api-keys');
    const name = `Website form ${unique}`;
    await page.getByRole('textbox', { name: 'Name of the new key' }).fill(name);
    await page.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'marketer' }).click();
    await page.getByRole('button', { name: 'Create key' }).click();

    const shown = page.getByRole('dialog', { name: 'Copy the new API key now' });
    await expect(shown.getByText('You will not see it again')).toBeVisible();
    const key = (await shown.locator('pre, code').filter({ hasText: /^ph_/ }).first().textContent()) ?? '';
    expect(key).toMatch(/^ph_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32,}$/);
    await shown.getByRole('button', { name: 'Copy the new API key' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await expectAccessible(page);
    await screenshot(page, 'settings-api-key-created');
    await shown.getByRole('button', { name: 'I have copied it' }).click();

    // the key works
    const me = await request.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${key}` } });
    expect(me.status()).toBe(200);

    await page.reload();
    const row = page.getByRole('table', { name: 'API keys' }).getByRole('row', { name: new RegExp(name) });
    await expect(row).toBeVisible();
    await expect(row).toContainText(`${key.slice(0, 11)}_…`);
    await expect(page.getByText(key)).toHaveCount(0);
    expect(await page.content()).not.toContain(key.slice(12));

    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    await page
      .getByRole('dialog', { name: `Revoke “${name}”?` })
      .getByRole('button', { name: 'Revoke key' })
      .click();
    await expect(row).toContainText('Revoked');
    const refused = await request.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${key}` } });
    expect(refused.status()).toBe(401);
  });

  test('an administrator adds a subscription type and a user with the marketer role', async ({ page }) => {
    await logIn(page, admin());
    await page.goto('/settings/subscription-types');
    const type = `Partner news ${unique}`;
    await page.getByRole('button', { name: 'Add subscription type' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add subscription type' });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(type);
    await dialog
      .getByRole('textbox', { name: 'Description' })
      .fill('News for our partners, four times a year.');
    await dialog.getByRole('button', { name: 'Add subscription type' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(
      page.getByRole('table', { name: 'Subscription types' }).getByRole('row', { name: new RegExp(type) }),
    ).toContainText('four times a year');

    await page.goto('/settings/users');
    await page.getByRole('button', { name: 'Add user' }).click();
    const form = page.getByRole('dialog', { name: 'Add user' });
    const email = `anna.${unique}@posthorn.test`;
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('Anna Andersen');
    await form.getByRole('textbox', { name: 'E-mail' }).fill(email);
    await form.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'marketer' }).click();
    await expect(form.getByText(/^May: View CRM, Edit CRM/)).toBeVisible();
    await form.getByRole('textbox', { name: 'Password', exact: true }).fill('a long enough password');
    await expectAccessible(page);
    await screenshot(page, 'settings-user-new');
    await form.getByRole('button', { name: 'Add user' }).click();
    await expect(form).toHaveCount(0);
    const row = page.getByRole('table', { name: 'Users' }).getByRole('row', { name: new RegExp(email) });
    await expect(row).toContainText('marketer');
    await expect(row).toContainText('Active');

    // changed: another role and deactivated (only what changed is sent)
    await row.getByRole('button', { name: 'Change Anna Andersen' }).click();
    const edit = page.getByRole('dialog', { name: 'Change Anna Andersen' });
    await edit.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'analyst' }).click();
    await edit.getByRole('switch', { name: 'Active' }).click({ force: true });
    const patch = page.waitForRequest(
      (r) => r.method() === 'PATCH' && /\/api\/v1\/users\/\d+$/.test(r.url()),
    );
    await edit.getByRole('button', { name: 'Save' }).click();
    expect((await patch).postDataJSON()).toEqual({ role: 'analyst', isActive: false });
    await expect(row).toContainText('analyst');
    await expect(row).toContainText('Deactivated');
  });

  test('an e-mail account keeps its password write-only, can be turned off and deleted', async ({ page }) => {
    await logIn(page, admin());
    await page.goto('/settings/email-accounts');
    await page.getByRole('button', { name: 'Add e-mail account' }).click();
    const form = page.getByRole('dialog', { name: 'Add e-mail account' });
    const name = `Relay ${unique}`;
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await form.getByRole('textbox', { name: 'Server' }).fill('smtp.relay.invalid');
    await form.getByRole('textbox', { name: 'User name' }).fill('posthorn');
    await form.getByRole('textbox', { name: 'Password', exact: true }).fill('relay secret 123');
    await expectAccessible(page);
    await screenshot(page, 'settings-email-account-new');
    await form.getByRole('button', { name: 'Add account' }).click();
    await expect(form).toHaveCount(0);
    const row = page
      .getByRole('table', { name: 'E-mail accounts' })
      .getByRole('row', { name: new RegExp(name) });
    await expect(row).toContainText('Password stored (never shown)');
    await expect(page.getByText('relay secret 123')).toHaveCount(0);
    // off at once, so no other test's mail goes to this relay
    await row.getByRole('switch', { name: `${name} active` }).click({ force: true });
    await expect(row.getByRole('switch', { name: `${name} active` })).not.toBeChecked();
    await row.getByRole('button', { name: `Delete ${name}` }).click();
    await page
      .getByRole('dialog', { name: 'Delete this e-mail account?' })
      .getByRole('button', { name: 'Delete account' })
      .click();
    await expect(row).toHaveCount(0);
  });

  test('an SMS gateway form asks only for its kind’s settings; a gateway is added and deleted', async ({
    page,
  }) => {
    await logIn(page, admin());
    await page.goto('/settings/sms-gateways');
    await page.getByRole('button', { name: 'Add SMS gateway' }).click();
    const form = page.getByRole('dialog', { name: 'Add SMS gateway' });
    await expect(form.getByRole('textbox', { name: 'System ID' })).toBeVisible();
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill(`Outbox ${unique}`);
    await form.getByRole('textbox', { name: 'Server' }).fill('smpp.operator.invalid');
    await expectAccessible(page);
    await screenshot(page, 'settings-sms-gateway-new');
    // an SMPP password has at most 9 characters: said at the field before anything is sent
    await form.getByRole('textbox', { name: 'System ID' }).fill('posthorn');
    await form.getByRole('textbox', { name: 'Password', exact: true }).fill('far too long');
    await form.getByRole('button', { name: 'Add gateway' }).click();
    await expect(form.getByText('SMPP passwords have at most 9 characters')).toBeVisible();

    await form.getByRole('combobox', { name: 'Kind' }).click();
    await page.getByRole('option', { name: /^Outbox/ }).click();
    await expect(form.getByRole('textbox', { name: 'System ID' })).toHaveCount(0);
    await form.getByRole('button', { name: 'Add gateway' }).click();
    await expect(form).toHaveCount(0);
    const row = page
      .getByRole('table', { name: 'SMS gateways' })
      .getByRole('row', { name: new RegExp(`Outbox ${unique}`) });
    await expect(row).toContainText('Kept in the Outbox');
    await row.getByRole('button', { name: `Delete Outbox ${unique}` }).click();
    await page
      .getByRole('dialog', { name: 'Delete this SMS gateway?' })
      .getByRole('button', { name: 'Delete gateway' })
      .click();
    await expect(row).toHaveCount(0);
  });

  test('a change of one general setting is sent alone and kept after a reload', async ({ page }) => {
    await logIn(page, admin());
    await page.goto('/settings/general');
    const days = page.getByRole('textbox', { name: 'Subscription links stay valid for (days)' });
    await expect(days).toHaveValue('21');
    await days.fill('30');
    const patch = page.waitForRequest((r) => r.url().endsWith('/api/v1/settings') && r.method() === 'PATCH');
    await page.getByRole('button', { name: 'Save settings' }).click();
    expect((await patch).postDataJSON()).toEqual({ linkExpiryDays: 30 });
    await expect(page.getByText('No unsaved changes.')).toBeVisible();
    await page.reload();
    await expect(page.getByRole('textbox', { name: 'Subscription links stay valid for (days)' })).toHaveValue(
      '30',
    );
    // back as it was, for the other tests
    await page.getByRole('textbox', { name: 'Subscription links stay valid for (days)' }).fill('21');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByText('No unsaved changes.')).toBeVisible();
  });

  test('a marketer does not see Settings, and /settings says which right is missing', async ({ page }) => {
    await logIn(page, marketer());
    await expect(
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }),
    ).toHaveCount(0);
    await page.goto('/settings');
    await expect(page.getByRole('heading', { name: 'You do not have the right to open this' })).toBeVisible();
    await expect(page.getByText(/need the right Manage settings or Manage users/)).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'settings-no-right');
    await page.goto('/settings/api-keys');
    await expect(page.getByRole('heading', { name: 'You do not have the right to open this' })).toBeVisible();
  });
});
