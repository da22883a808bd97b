import { Anchor, Box, Flex, NavLink, Paper, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useSuspenseQuery } from '@tanstack/react-query';
import { Link, Navigate, useParams } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { meQuery } from '../auth/api';
import { ApiKeysSection } from './ApiKeysSection';
import { EmailAccountsSection } from './EmailAccountsSection';
import { GeneralSection } from './GeneralSection';
import { RolesSection } from './RolesSection';
import { rightsInWords } from './rights';
import { SendingDomainsSection } from './SendingDomainsSection';
import { SmsGatewaysSection } from './SmsGatewaysSection';
import { SubscriptionTypesSection } from './SubscriptionTypesSection';
import { allowedSections, resolveSection, type SectionSlug } from './sections';
import { UsersSection } from './UsersSection';

const views: Record<SectionSlug, () => ReactNode> = {
  general: () => <GeneralSection />,
  'email-accounts': () => <EmailAccountsSection />,
  'sms-gateways': () => <SmsGatewaysSection />,
  'sending-domains': () => <SendingDomainsSection />,
  'subscription-types': () => <SubscriptionTypesSection />,
  users: () => <UsersSection />,
  roles: () => <RolesSection />,
  'api-keys': () => <ApiKeysSection />,
};

/** Settings: the sections the user's rights allow on the left, the open one (in the URL) on the right. */
export function SettingsPage() {
  const { data: me } = useSuspenseQuery(meQuery);
  const { section: slug } = useParams({ strict: false });
  const view = resolveSection(slug, me.rights);
  const allowed = allowedSections(me.rights);
  const current = view.kind === 'section' ? view.section : null;
  useDocumentTitle(current ? `${current.label} · Settings · Posthorn` : 'Settings · Posthorn');

  if (view.kind === 'redirect')
    return <Navigate to="/settings/$section" params={{ section: view.to }} replace />;

  return (
    <Stack gap="lg" maw={1200}>
      <Title order={1} size="h2">
        Settings
      </Title>
      {view.kind === 'forbidden' && allowed.length === 0 ? (
        <NoRight>
          Settings are for administrators: they need the right <strong>Manage settings</strong> or{' '}
          <strong>Manage users</strong>, and your role gives neither.
        </NoRight>
      ) : (
        <Flex gap="lg" direction={{ base: 'column', sm: 'row' }} align="flex-start">
          <Paper
            component="nav"
            aria-label="Settings sections"
            withBorder
            radius="md"
            p={4}
            w={{ base: '100%', sm: 210 }}
            style={{ flexShrink: 0 }}
          >
            {allowed.map((s) => (
              <NavLink
                key={s.slug}
                component={Link}
                to={`/settings/${s.slug}`}
                label={s.label}
                active={current?.slug === s.slug}
                // the light variant's blue on pale blue is below 4.5:1
                variant="filled"
                aria-current={current?.slug === s.slug ? 'page' : undefined}
              />
            ))}
          </Paper>
          <Box style={{ flex: 1, minWidth: 0 }} w="100%">
            {view.kind === 'section' && views[view.section.slug]()}
            {view.kind === 'forbidden' && (
              <NoRight>
                This section needs the right <strong>{rightsInWords(view.missing)}</strong>, which your role
                does not give.
              </NoRight>
            )}
            {view.kind === 'unknown' && (
              <Paper withBorder p="lg" radius="md">
                <Text>There is no settings section at this address. Pick one from the list.</Text>
              </Paper>
            )}
          </Box>
        </Flex>
      )}
    </Stack>
  );
}

/** What a user sees where their role does not reach: which right is missing, and whom to ask. */
function NoRight({ children }: { children: ReactNode }) {
  return (
    <Paper withBorder p="lg" radius="md" maw={560} role="status">
      <Stack gap="xs">
        <Title order={2} size="h4">
          You do not have the right to open this
        </Title>
        <Text size="sm">{children} Ask an administrator if you need it.</Text>
        <Anchor component={Link} to="/mailings" size="sm">
          Go to Mailings
        </Anchor>
      </Stack>
    </Paper>
  );
}
