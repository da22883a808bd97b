import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/errors';

/**
 * Server data. A 401 from any query or mutation (the session ended) calls `onUnauthenticated`,
 * which returns to Login and keeps the deep link. A lost connection or a server error is tried
 * once more, then shown with a retry; other errors are not retried.
 */
export function createQueryClient(onUnauthenticated: () => void): QueryClient {
  const onError = (error: Error) => {
    if (error instanceof ApiError && error.status === 401 && error.code !== 'LOGIN_FAILED')
      onUnauthenticated();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        retry: (failures, error) =>
          failures < 1 && error instanceof ApiError && error.retryable && error.status !== 429,
        retryDelay: 800,
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}
