import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { createFormatter, type Formatter } from './format';

const FormatContext = createContext<Formatter>(createFormatter(undefined, undefined));

/** Formats for everything below: the browser's language, the given time zone (the user's). */
export function FormatProvider({ timeZone, children }: { timeZone: string | null; children: ReactNode }) {
  const formatter = useMemo(() => createFormatter(navigator.language || undefined, timeZone), [timeZone]);
  return <FormatContext.Provider value={formatter}>{children}</FormatContext.Provider>;
}

export function useFormat(): Formatter {
  return useContext(FormatContext);
}
