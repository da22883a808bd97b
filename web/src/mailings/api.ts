import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, call } from '../api/client';
import type { Mailing, Page } from '../api/types';
import { type MailingsSearch, mailingsQueryParams } from './search';

export const mailingsQuery = (search: MailingsSearch) =>
  queryOptions({
    queryKey: ['mailings', 'list', mailingsQueryParams(search)] as const,
    queryFn: ({ signal }) =>
      call<Page<Mailing>>(() =>
        api.GET('/api/v1/mailings', { params: { query: mailingsQueryParams(search) }, signal }),
      ),
    placeholderData: keepPreviousData,
  });
