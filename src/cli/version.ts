import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The package version, read here rather than taken from app.ts: `posthorn --help` and
 * `--version` must not load the application (the server, the services and their libraries).
 */
export const version: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
