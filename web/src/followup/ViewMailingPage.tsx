import { Anchor, Badge, Button, Group, Skeleton, Stack, Tabs, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconArrowLeft, IconRefresh } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ErrorState } from '../app/ErrorState';
import { viewMailingRoute } from '../app/router';
import { meQuery } from '../auth/api';
import { useFormat } from '../format/FormatContext';
import { mailingQuery } from '../mailings/api';
import { channelLabels, stateColors, stateLabels } from '../mailings/labels';
import { firstSentQuery, followupKey, progressQuery } from './api';
import { BouncesTab } from './BouncesTab';
import { ContentTab } from './ContentTab';
import { ViewMailingContext, type ViewMailingContextValue } from './context';
import { DarkBadge } from './DarkBadge';
import { LinksTab } from './LinksTab';
import { RecipientsTab } from './RecipientsTab';
import { ReportsTab } from './ReportsTab';
import { SummaryTab } from './SummaryTab';
import { type ViewMailingTab, type ViewSearchPatch, viewMailingTabs, withPatch } from './search';

const tabLabels: Record<ViewMailingTab, string> = {
  summary: 'Summary',
  content: 'Content',
  reports: 'Reports',
  recipients: 'Recipients',
  links: 'Links',
  bounces: 'Bounces',
};

/** View mailing: the follow-up of a mailing that was sent (PRODUCT.md §12), one tab per view. */
export function ViewMailingPage() {
  const { id: raw } = viewMailingRoute.useParams();
  const id = Number(raw);
  const search = viewMailingRoute.useSearch();
  const tab: ViewMailingTab = search.tab ?? 'summary';
  const navigate = useNavigate({ from: viewMailingRoute.fullPath });
  const queryClient = useQueryClient();
  const format = useFormat();
  const me = useQuery(meQuery).data;
  const mailing = useQuery(mailingQuery(id));
  const progress = useQuery(progressQuery(id));
  const firstSent = useQuery(firstSentQuery(id));
  // the button shows its own reload only (the polling while sending would make it flicker)
  const [refreshing, setRefreshing] = useState(false);
  useDocumentTitle(`${mailing.data?.name ?? 'Mailing'} · View mailing · Posthorn`);

  const refresh = useCallback(async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: followupKey(id) }),
      queryClient.invalidateQueries({ queryKey: ['mailings', id], exact: true }),
    ]);
  }, [queryClient, id]);

  // the round ended or was stopped elsewhere: the state badge follows
  const progressState = progress.data?.state;
  const mailingState = mailing.data?.state;
  useEffect(() => {
    if (progressState && mailingState && progressState !== mailingState)
      void queryClient.invalidateQueries({ queryKey: ['mailings', id], exact: true });
  }, [progressState, mailingState, queryClient, id]);

  const setSearch = useCallback(
    (patch: ViewSearchPatch, options?: { replace?: boolean }) =>
      void navigate({ search: (prev) => withPatch(prev, patch), replace: options?.replace ?? false }),
    [navigate],
  );

  const context = useMemo<ViewMailingContextValue | null>(
    () => (mailing.data && me ? { mailing: mailing.data, me, search, setSearch, refresh } : null),
    [mailing.data, me, search, setSearch, refresh],
  );

  if (mailing.isError)
    return (
      <Stack maw={640}>
        <ErrorState
          error={mailing.error}
          onRetry={() => void mailing.refetch()}
          title="This mailing could not be loaded"
        />
        <Anchor component={Link} to="/mailings">
          Back to Mailings
        </Anchor>
      </Stack>
    );
  if (!context)
    return (
      <Stack gap="md" aria-busy="true" aria-label="Loading the mailing">
        <Skeleton height={32} width={320} />
        <Skeleton height={20} width={240} />
        <Skeleton height={200} />
      </Stack>
    );

  const m = context.mailing;
  // the progress is polled while sending: its state is the newest (the mailing's follows on refetch)
  const state = progress.data?.state ?? m.state;
  const sentAt = firstSent.data?.items[0]?.sentAt ?? null;
  const finishedAt = progress.data?.finishedAt ?? null;

  return (
    <ViewMailingContext.Provider value={context}>
      <Stack gap="lg" maw={1200}>
        <Group justify="space-between" align="flex-start" wrap="wrap">
          <Stack gap={6}>
            <Anchor component={Link} to="/mailings" size="sm">
              <Group gap={4} component="span">
                <IconArrowLeft size={14} aria-hidden />
                Mailings
              </Group>
            </Anchor>
            <Title order={1} size="h2">
              {m.name}
            </Title>
            <Group gap="xs" wrap="wrap">
              <Badge variant="outline" color="gray" radius="sm">
                {channelLabels[m.channel]}
              </Badge>
              <DarkBadge color={stateColors[state]}>{stateLabels[state]}</DarkBadge>
              <Text size="sm" c="dimmed" data-testid="sent-time">
                {sentAt !== null ? `Sent ${format.dateTime(sentAt)}` : 'Not sent yet'}
                {finishedAt !== null && state !== 'sending'
                  ? ` · ${(progress.data?.round ?? 1) > 1 ? `round ${progress.data?.round} ` : ''}finished ${format.dateTime(finishedAt)}`
                  : ''}
              </Text>
            </Group>
          </Stack>
          <Group gap="sm">
            <Button
              variant="default"
              renderRoot={(props) => (
                <Link
                  to="/mailings/$id"
                  params={{ id: String(m.id) }}
                  search={{ step: 'setup' }}
                  {...props}
                />
              )}
            >
              Open in the wizard
            </Button>
            <Button
              leftSection={<IconRefresh size={16} aria-hidden />}
              onClick={async () => {
                setRefreshing(true);
                try {
                  await refresh();
                } finally {
                  setRefreshing(false);
                }
              }}
              loading={refreshing}
            >
              Refresh
            </Button>
          </Group>
        </Group>

        <Tabs value={tab} onChange={(v) => v && setSearch({ tab: v as ViewMailingTab })} keepMounted={false}>
          <Tabs.List aria-label="Views of the mailing">
            {viewMailingTabs.map((t) => (
              <Tabs.Tab key={t} value={t}>
                {tabLabels[t]}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          <Tabs.Panel value="summary" pt="lg">
            <SummaryTab />
          </Tabs.Panel>
          <Tabs.Panel value="content" pt="lg">
            <ContentTab />
          </Tabs.Panel>
          <Tabs.Panel value="reports" pt="lg">
            <ReportsTab />
          </Tabs.Panel>
          <Tabs.Panel value="recipients" pt="lg">
            <RecipientsTab />
          </Tabs.Panel>
          <Tabs.Panel value="links" pt="lg">
            <LinksTab />
          </Tabs.Panel>
          <Tabs.Panel value="bounces" pt="lg">
            <BouncesTab />
          </Tabs.Panel>
        </Tabs>
      </Stack>
    </ViewMailingContext.Provider>
  );
}
