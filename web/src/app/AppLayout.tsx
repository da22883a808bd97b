import { AppShell, Burger, Button, Group, NavLink, ScrollArea, Stack, Text, Title } from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  IconAddressBook,
  IconBan,
  IconInbox,
  IconLink,
  IconLogout,
  IconMail,
  IconPhoto,
  IconSettings,
  IconTemplate,
} from '@tabler/icons-react';
import { useSuspenseQuery } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { toApiError } from '../api/errors';
import { meQuery, useLogout } from '../auth/api';
import { FormatProvider } from '../format/FormatContext';
import { Logo } from './Logo';
import { type NavItem, visibleNav } from './nav';

const icons: Record<string, ReactNode> = {
  '/mailings': <IconMail size={18} stroke={1.6} />,
  '/templates': <IconTemplate size={18} stroke={1.6} />,
  '/tracked-links': <IconLink size={18} stroke={1.6} />,
  '/images': <IconPhoto size={18} stroke={1.6} />,
  '/crm': <IconAddressBook size={18} stroke={1.6} />,
  '/blocked-addresses': <IconBan size={18} stroke={1.6} />,
  '/outbox': <IconInbox size={18} stroke={1.6} />,
  '/settings': <IconSettings size={18} stroke={1.6} />,
};

const groupLabels: Record<NavItem['group'], string> = {
  mailings: 'Prepare and send',
  crm: 'Follow-up and CRM',
  admin: 'Administration',
};

/** The shell of every screen behind the login: header with the user and Logout, navigation by rights. */
export function AppLayout() {
  const { data: me } = useSuspenseQuery(meQuery);
  const [opened, { toggle, close }] = useDisclosure(false);
  // a closed navbar on a phone is only moved off screen: keep it out of the tab order and the
  // accessibility tree too
  const phone = useMediaQuery('(max-width: 47.99em)') ?? false;
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const navigate = useNavigate();
  const logout = useLogout();
  const items = visibleNav(me.rights);
  const groups = (['mailings', 'crm', 'admin'] as const)
    .map((group) => ({ group, items: items.filter((i) => i.group === group) }))
    .filter((g) => g.items.length > 0);

  const onLogout = () =>
    logout.mutate(undefined, {
      onSuccess: () => void navigate({ to: '/login', replace: true }),
      onError: (error) => {
        const e = toApiError(error);
        notifications.show({ color: 'red', title: 'Could not log out', message: `${e.message} (${e.code})` });
      },
    });

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
            />
            <Logo />
          </Group>
          <Group gap="md" wrap="nowrap">
            <Stack gap={0} align="flex-end" visibleFrom="xs">
              <Text size="sm" fw={600} lh={1.2}>
                {me.user?.name ?? me.label}
              </Text>
              <Text size="xs" c="dimmed" lh={1.2}>
                {me.user?.email ?? me.kind}
              </Text>
            </Stack>
            <Button
              variant="default"
              size="sm"
              leftSection={<IconLogout size={16} />}
              onClick={onLogout}
              loading={logout.isPending}
            >
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar
        p="sm"
        aria-label="Main"
        style={phone && !opened ? { visibility: 'hidden' } : undefined}
      >
        <ScrollArea type="auto">
          <Stack gap="md">
            {groups.map(({ group, items }) => (
              <Stack key={group} gap={2}>
                <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" component="h2">
                  {groupLabels[group]}
                </Text>
                {items.map((item) => (
                  <NavLink
                    key={item.to}
                    component={Link}
                    to={item.to}
                    label={item.label}
                    leftSection={icons[item.to]}
                    active={pathname === item.to || pathname.startsWith(`${item.to}/`)}
                    onClick={close}
                  />
                ))}
              </Stack>
            ))}
            {groups.length === 0 && (
              <Text size="sm" c="dimmed" px="sm">
                Your role gives you no screens yet. Ask an administrator for rights.
              </Text>
            )}
          </Stack>
        </ScrollArea>
      </AppShell.Navbar>

      <AppShell.Main bg="var(--mantine-color-gray-0)">
        <FormatProvider timeZone={me.user?.timeZone ?? null}>
          <Outlet />
        </FormatProvider>
      </AppShell.Main>
    </AppShell>
  );
}

export function PageTitle({ children }: { children: ReactNode }) {
  return (
    <Title order={1} size="h2">
      {children}
    </Title>
  );
}
