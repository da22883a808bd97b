import { Badge } from '@mantine/core';
import type { ReactNode } from 'react';
import { okText, warnText } from '../app/colors';

/** Text colours that keep WCAG AA (4.5:1) on a light badge's tinted background. */
const darkText: Record<string, string> = {
  green: okText,
  orange: warnText,
  teal: '#06614a',
  blue: '#134a85',
  red: '#9b1c1c',
  gray: '#343a40',
  dark: '#212529',
};

/**
 * A light badge with dark text: Mantine's light variant draws green, orange and others too pale
 * for its small text.
 */
export function DarkBadge({ color, children }: { color: string; children: ReactNode }) {
  return (
    <Badge
      variant="light"
      radius="sm"
      color={color}
      styles={{ label: { color: darkText[color] ?? '#212529' } }}
    >
      {children}
    </Badge>
  );
}
