/**
 * Text colours that keep WCAG AA (4.5:1) on white: Mantine's orange and green shades are too light
 * for small text.
 */
export const warnText = '#9a3b06';
export const okText = '#1e6b34';
