import {
  Alert,
  Box,
  Button,
  Center,
  Code,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertTriangle, IconRefresh } from '@tabler/icons-react';
import { useNavigate, useSearch } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { type ApiError, asSentence, toApiError } from '../api/errors';
import { Logo } from '../app/Logo';
import { useLogin } from './api';
import { loginErrorPlacement } from './loginErrors';
import { safeRedirect } from './redirect';

/** The API's message (as a sentence) with its code, as shown next to a field. */
function FieldError({ error }: { error: ApiError }) {
  return (
    <>
      {asSentence(error.message)} <Code>{error.code}</Code>
    </>
  );
}

export function LoginPage() {
  useDocumentTitle('Log in · Posthorn');
  const search = useSearch({ from: '/login' });
  const navigate = useNavigate();
  const login = useLogin();
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { email: '', password: '' },
    validate: {
      email: (v) => (v.trim() === '' ? 'Enter your e-mail address' : null),
      password: (v) => (v === '' ? 'Enter your password' : null),
    },
  });

  const submit = form.onSubmit((values) => {
    login.reset();
    login.mutate(
      { email: values.email.trim(), password: values.password },
      {
        onSuccess: () =>
          void navigate({ href: safeRedirect(search.redirect, window.location.origin), replace: true }),
      },
    );
  });

  const error = login.error ? toApiError(login.error) : null;
  const placement = error ? loginErrorPlacement(error) : null;
  const fieldError = (field: 'email' | 'password'): ReactNode =>
    error && placement === field ? <FieldError error={error} /> : undefined;

  return (
    <Box component="main" bg="var(--mantine-color-gray-0)" mih="100vh">
      <Center mih="100vh" p="md">
        <Paper withBorder shadow="sm" radius="md" p="xl" w="100%" maw={420}>
          <form onSubmit={submit} noValidate>
            <Stack gap="md">
              <Logo size={32} />
              <div>
                <Title order={1} size="h2">
                  Log in
                </Title>
                <Text c="dimmed" size="sm" mt={4}>
                  Prepare, send and follow up your mailings.
                </Text>
              </div>
              {search.redirect && (
                <Text size="sm" c="dimmed">
                  Log in to continue to the page you opened.
                </Text>
              )}
              <TextInput
                label="E-mail"
                type="email"
                autoComplete="username"
                required
                autoFocus
                key={form.key('email')}
                {...form.getInputProps('email')}
                error={fieldError('email') ?? form.getInputProps('email').error}
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                key={form.key('password')}
                {...form.getInputProps('password')}
                error={fieldError('password') ?? form.getInputProps('password').error}
              />
              {error && placement === 'alert' && (
                <Alert
                  color={error.status === 0 ? 'orange' : 'red'}
                  variant="light"
                  icon={<IconAlertTriangle size={20} />}
                  title={error.status === 0 ? 'No connection to Posthorn' : 'Could not log in'}
                  role="alert"
                >
                  <Stack gap="xs">
                    <Text size="sm">
                      <FieldError error={error} />
                    </Text>
                    {error.retryable && (
                      <Button
                        size="xs"
                        variant="white"
                        leftSection={<IconRefresh size={16} />}
                        onClick={() => submit()}
                        w="fit-content"
                      >
                        Try again
                      </Button>
                    )}
                  </Stack>
                </Alert>
              )}
              <Button type="submit" loading={login.isPending} fullWidth mt="xs">
                Log in
              </Button>
            </Stack>
          </form>
        </Paper>
      </Center>
    </Box>
  );
}
