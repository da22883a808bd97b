import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../api/client';
import type { Me, User } from '../api/types';

/** Who is logged in and what they may do; the shell and every route guard read it. */
export const meQuery = queryOptions({
  queryKey: ['me'] as const,
  queryFn: ({ signal }) => call<Me>(() => api.GET('/api/v1/auth/me', { signal })),
  staleTime: 60_000,
});

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      call<{ user: User; expiresAt: number }>(() => api.POST('/api/v1/auth/login', { body })),
    onSuccess: async () => {
      queryClient.removeQueries();
      await queryClient.fetchQuery(meQuery);
    },
  });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => call<undefined>(() => api.POST('/api/v1/auth/logout')),
    // nothing of the session stays in the page
    onSuccess: () => queryClient.clear(),
  });
}
