import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, call } from '../api/client';
import type { Page } from '../api/types';
import { type ChannelFilter, outboxParams } from './outbox';
import type { OutboxItem } from './types';

export const outboxQuery = (page: number, channel: ChannelFilter) =>
  queryOptions({
    queryKey: ['outbox', page, channel] as const,
    queryFn: ({ signal }) =>
      call<Page<OutboxItem>>(() =>
        api.GET('/api/v1/outbox', { params: { query: outboxParams(page, channel) }, signal }),
      ),
    placeholderData: keepPreviousData,
  });
