import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  type ErrorComponentProps,
  lazyRouteComponent,
  Outlet,
  type RouterHistory,
  redirect,
  useRouter,
} from '@tanstack/react-router';
import { ApiError } from '../api/errors';
import { meQuery } from '../auth/api';
import { LoginPage } from '../auth/LoginPage';
import { redirectFor, safeRedirect } from '../auth/redirect';
import { parseViewMailingSearch } from '../followup/search';
import { parseMailingsSearch } from '../mailings/search';
import { AppLayout } from './AppLayout';
import { CenteredError, NotFound, Pending } from './Fallbacks';

export interface RouterContext {
  queryClient: QueryClient;
}

/** The `redirect` search parameter of the login page. */
export interface LoginSearch {
  redirect?: string;
}

/** A route that failed to load: the error and a retry that loads it again. */
function RouteError({ error, reset }: ErrorComponentProps) {
  const router = useRouter();
  return (
    <CenteredError
      error={error}
      onRetry={() => {
        reset();
        void router.invalidate();
      }}
    />
  );
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFound,
});

export const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: (raw: Record<string, unknown>): LoginSearch =>
    typeof raw.redirect === 'string' && raw.redirect !== '' ? { redirect: raw.redirect } : {},
  // already logged in (in this page's memory): straight on to where the link pointed
  beforeLoad: ({ context, search }) => {
    if (context.queryClient.getQueryData(meQuery.queryKey))
      throw redirect({ href: safeRedirect(search.redirect, window.location.origin), replace: true });
  },
  component: LoginPage,
});

/** Every screen behind the login: knows who the user is, or returns to Login with the deep link. */
export const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: async ({ context, location }) => {
    try {
      const me = await context.queryClient.ensureQueryData(meQuery);
      return { me };
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        const back = redirectFor({
          pathname: location.pathname,
          search: location.searchStr,
          hash: location.hash ? `#${location.hash}` : '',
        });
        throw redirect({ to: '/login', search: back ? { redirect: back } : {} });
      }
      throw e;
    }
  },
  component: AppLayout,
  errorComponent: RouteError,
});

const indexRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/mailings' });
  },
});

export const mailingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/mailings',
  validateSearch: parseMailingsSearch,
  component: lazyRouteComponent(() => import('../mailings/MailingsPage'), 'MailingsPage'),
});

const wizardSteps = ['setup', 'template', 'content', 'recipients', 'confirm'] as const;
export interface MailingSearch {
  step?: (typeof wizardSteps)[number];
}

/** The mailing wizard (its own chunk: not in the first download). */
export const mailingRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/mailings/$id',
  validateSearch: (raw: Record<string, unknown>): MailingSearch =>
    wizardSteps.find((s) => s === raw.step) ? { step: raw.step as (typeof wizardSteps)[number] } : {},
  component: lazyRouteComponent(() => import('../mailings/wizard/WizardPage'), 'WizardPage'),
});

/** View mailing: the follow-up of a mailing that was sent (its own chunk). */
export const viewMailingRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/mailings/$id/view',
  validateSearch: parseViewMailingSearch,
  component: lazyRouteComponent(() => import('../followup/ViewMailingPage'), 'ViewMailingPage'),
});

/** Libraries of the Mailings group (each its own chunk). */
export const templatesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/templates',
  component: lazyRouteComponent(() => import('../library/TemplatesPage'), 'TemplatesPage'),
});
export const trackedLinksRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/tracked-links',
  component: lazyRouteComponent(() => import('../library/TrackedLinksPage'), 'TrackedLinksPage'),
});
export const imagesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/images',
  component: lazyRouteComponent(() => import('../library/ImagesPage'), 'ImagesPage'),
});

/** The dev outbox: what was "sent" while no relay is set. */
export const outboxRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/outbox',
  component: lazyRouteComponent(() => import('../outbox/OutboxPage'), 'OutboxPage'),
});

/** Settings: one route, the section in the URL (`/settings/sending-domains`). */
export const settingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings',
  component: lazyRouteComponent(() => import('../settings/SettingsPage'), 'SettingsPage'),
});
export const settingsSectionRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/$section',
  component: lazyRouteComponent(() => import('../settings/SettingsPage'), 'SettingsPage'),
});

const comingLater = lazyRouteComponent(() => import('../placeholder/ComingLater'), 'ComingLater');
const laterRoutes = ['/crm', '/blocked-addresses'].map((path) =>
  createRoute({ getParentRoute: () => appRoute, path, component: comingLater }),
);

const routeTree = rootRoute.addChildren([
  loginRoute,
  appRoute.addChildren([
    indexRoute,
    mailingsRoute,
    mailingRoute,
    viewMailingRoute,
    templatesRoute,
    trackedLinksRoute,
    imagesRoute,
    outboxRoute,
    settingsRoute,
    settingsSectionRoute,
    ...laterRoutes,
  ]),
]);

export function createAppRouter(queryClient: QueryClient, history?: RouterHistory) {
  return createRouter({
    routeTree,
    ...(history ? { history } : {}),
    context: { queryClient },
    defaultPreload: 'intent',
    defaultPreloadStaleTime: 0,
    scrollRestoration: true,
    defaultErrorComponent: RouteError,
    defaultNotFoundComponent: NotFound,
    defaultPendingComponent: Pending,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
