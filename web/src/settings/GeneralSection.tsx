import { Button, Group, NumberInput, Paper, Radio, Select, Stack, Switch, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { patchSettings, settingsQuery } from './api';
import { placeError } from './errors';
import { checkWhole, isTimeZone, settingsPatch, timeZones } from './forms';
import { ErrorText, errorAt, FormError, Loaded, SectionHeader } from './parts';
import type { GeneralSettings } from './types';

const fields = [
  'timeZone',
  'privacyFilter',
  'onlyApprovedDomains',
  'bounceThreshold',
  'linkExpiryDays',
  'expiredLeases',
];

export function GeneralSection() {
  const query = useQuery(settingsQuery);
  return (
    <Stack gap="md">
      <SectionHeader
        title="General"
        description="Rules that apply to every mailing. Each change is recorded in the audit log with who made it."
      />
      <Loaded query={query} what="The settings">
        {(stored) => <GeneralForm stored={stored} />}
      </Loaded>
    </Stack>
  );
}

function GeneralForm({ stored }: { stored: GeneralSettings }) {
  const queryClient = useQueryClient();
  const form = useForm<GeneralSettings>({
    initialValues: stored,
    validate: {
      timeZone: (v) => (isTimeZone(v) ? null : 'Choose a time zone'),
      bounceThreshold: (v) => checkWhole(v, 1, 100, true),
      linkExpiryDays: (v) => checkWhole(v, 1, 365, true),
    },
  });
  const zones = useMemo(() => timeZones(stored.timeZone), [stored.timeZone]);
  const save = useMutation({
    mutationFn: patchSettings,
    onSuccess: (saved) => {
      queryClient.setQueryData(settingsQuery.queryKey, saved);
      form.setInitialValues(saved);
      form.setValues(saved);
      notifications.show({
        color: 'green',
        title: 'Settings saved',
        message: 'The changes apply from now on.',
      });
    },
  });
  const placed = placeError(save.error, fields);
  const patch = settingsPatch(stored, form.values);
  const dirty = Object.keys(patch).length > 0;

  return (
    <Paper withBorder radius="md" p="lg">
      <form onSubmit={form.onSubmit((values) => save.mutate(settingsPatch(stored, values)))} noValidate>
        <Stack gap="lg" maw={620}>
          <Select
            label="Time zone of this installation"
            description="Times given without a user — by an API key, the command line or the scheduler — are read in this zone. Each user sees dates in their own time zone."
            data={zones}
            searchable
            allowDeselect={false}
            nothingFoundMessage="No time zone by that name"
            {...form.getInputProps('timeZone')}
            error={errorAt(placed, 'timeZone') ?? form.errors.timeZone}
          />
          <Switch
            label="Privacy filter"
            description="Leave out recipients who have neither an active e-marketing consent nor an active subscription to the mailing’s subscription type. Turn it off only if you have another legal basis for every mailing."
            {...form.getInputProps('privacyFilter', { type: 'checkbox' })}
            error={errorAt(placed, 'privacyFilter')}
          />
          <Switch
            label="Only approved sending domains"
            description="From and Reply-to addresses must be on a domain listed under Sending domains, so every message can be signed."
            {...form.getInputProps('onlyApprovedDomains', { type: 'checkbox' })}
            error={errorAt(placed, 'onlyApprovedDomains')}
          />
          <NumberInput
            label="Bounces before an address is blocked"
            description="An address that soft-bounces (mailbox full, server away) in this many mailings in a row is blocked. Hard bounces block at once."
            min={1}
            max={100}
            allowDecimal={false}
            w={{ base: '100%', xs: 320 }}
            {...form.getInputProps('bounceThreshold')}
            error={errorAt(placed, 'bounceThreshold') ?? form.errors.bounceThreshold}
          />
          <NumberInput
            label="Subscription links stay valid for (days)"
            description="How long the “manage subscriptions” link in a message keeps working."
            min={1}
            max={365}
            allowDecimal={false}
            w={{ base: '100%', xs: 320 }}
            {...form.getInputProps('linkExpiryDays')}
            error={errorAt(placed, 'linkExpiryDays') ?? form.errors.linkExpiryDays}
          />
          <Radio.Group
            label="Messages interrupted while sending"
            description="When a sending process stops in the middle of a message (a crash, a restart), the relay may or may not have taken it."
            {...form.getInputProps('expiredLeases')}
            error={errorAt(placed, 'expiredLeases')}
          >
            <Stack gap="xs" mt="xs">
              <Radio
                value="resend"
                label="Send them again"
                description="With the same Message-ID, so most mail systems drop a second copy."
              />
              <Radio
                value="hold"
                label="Hold them for review"
                description="Nobody gets a second copy; a sender releases them on the mailing."
              />
            </Stack>
          </Radio.Group>
          <FormError placed={placed} title="The settings were not saved" />
          <Group gap="sm">
            <Button type="submit" loading={save.isPending} disabled={!dirty}>
              Save settings
            </Button>
            <Button
              variant="default"
              onClick={() => form.setValues(stored)}
              disabled={!dirty || save.isPending}
            >
              Undo changes
            </Button>
            {!dirty && (
              <Text size="sm" c="dimmed">
                No unsaved changes.
              </Text>
            )}
          </Group>
          {placed && placed.field !== null && (
            <Text size="sm" c="red.9" role="alert">
              Not saved: <ErrorText placed={placed} />
            </Text>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
