export const viewMailingTabs = ['summary', 'content', 'reports', 'recipients', 'links', 'bounces'] as const;
export type ViewMailingTab = (typeof viewMailingTabs)[number];

/** View mailing's URL search parameters: the tab (each tab's filters join here as they are built). */
export interface ViewMailingSearch {
  tab?: ViewMailingTab;
}

export function parseViewMailingSearch(raw: Record<string, unknown>): ViewMailingSearch {
  const tab = viewMailingTabs.find((t) => t === raw.tab);
  return tab ? { tab } : {};
}
