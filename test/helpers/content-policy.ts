import { expect } from 'vitest';

/** The headers every response with a mailing's HTML carries. */
export function expectContentPolicy(headers: Record<string, unknown>): void {
  const csp = String(headers['content-security-policy'] ?? '');
  expect(csp).toMatch(/^sandbox( |;)/);
  expect(csp).not.toMatch(/allow-scripts|allow-same-origin|allow-forms/);
  expect(csp).toContain("script-src 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
}
