import { Title } from '@mantine/core';

/** Settings (being built). */
export function SettingsPage() {
  return (
    <Title order={1} size="h2">
      Settings
    </Title>
  );
}
