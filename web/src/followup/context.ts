import { createContext, useContext } from 'react';
import type { MailingDetail, Me } from '../api/types';
import type { ViewMailingSearch, ViewSearchPatch } from './search';

/** What every tab of View mailing reads: the mailing, who looks at it, the URL's view. */
export interface ViewMailingContextValue {
  mailing: MailingDetail;
  me: Me;
  search: ViewMailingSearch;
  /** Changes the view in the URL (filters push a history entry, so Back undoes them). */
  setSearch: (patch: ViewSearchPatch, options?: { replace?: boolean }) => void;
  /** Loads every number of this mailing again. */
  refresh: () => Promise<void>;
}

export const ViewMailingContext = createContext<ViewMailingContextValue | null>(null);

export function useViewMailing(): ViewMailingContextValue {
  const v = useContext(ViewMailingContext);
  if (!v) throw new Error('useViewMailing outside ViewMailingPage');
  return v;
}

export const can = (me: Me, right: Me['rights'][number]): boolean => me.rights.includes(right);
