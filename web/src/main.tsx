import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { type CSSVariablesResolver, createTheme, MantineProvider } from '@mantine/core';
import { ModalsProvider } from '@mantine/modals';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createQueryClient } from './app/queryClient';
import { createAppRouter } from './app/router';
import { meQuery } from './auth/api';
import { redirectFor } from './auth/redirect';

// system fonts only (Mantine's default stack): no font is ever fetched from anywhere
const theme = createTheme({
  primaryColor: 'blue',
  // white on blue-6 is 3.6:1; blue-8 passes WCAG AA (4.5:1) for button labels
  primaryShade: 8,
  defaultRadius: 'md',
  headings: { fontWeight: '650' },
  // the close buttons of dialogs and notifications are icons: give them a name screen readers read
  components: {
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    Notification: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
  },
});

// Mantine's dimmed text and error red are too light on white for WCAG AA (4.5:1): darker shades
const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7] ?? '#495057',
    '--mantine-color-error': t.colors.red[9] ?? '#c92a2a',
  },
  dark: {},
});

// a 401 anywhere (the session ended or was ended elsewhere): back to Login, then to this page
const queryClient = createQueryClient(() => {
  const { location } = router.state;
  if (location.pathname === '/login') return;
  queryClient.removeQueries({ queryKey: meQuery.queryKey });
  const back = redirectFor({
    pathname: location.pathname,
    search: location.searchStr,
    hash: location.hash ? `#${location.hash}` : '',
  });
  void router.navigate({ to: '/login', search: back ? { redirect: back } : {}, replace: true });
});
const router = createAppRouter(queryClient);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light" cssVariablesResolver={cssVariablesResolver}>
      <Notifications position="top-right" />
      <ModalsProvider>
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </ModalsProvider>
    </MantineProvider>
  </StrictMode>,
);
