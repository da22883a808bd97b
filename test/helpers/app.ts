import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import type { Services } from '../../src/services.js';
import { admin, openTestServices } from './services.js';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  adminKey: string;
  dispose(): Promise<void>;
}

/** The real HTTP server (in-process, `inject()`) over real services and a fresh database. */
export async function openTestApp(
  engine: 'sqlite' | 'postgres',
  overrides: {
    bodyLimitBytes?: number;
    loginRatePerMinute?: number;
    publicUrl?: string;
    adminUrl?: string;
    trustProxy?: boolean | number | string[];
  } = {},
): Promise<TestApp> {
  const t = await openTestServices(engine);
  const app = await buildServer(t.services, {
    dataDir:
      t.database.target.engine === 'sqlite'
        ? `${t.database.target.file}.data`
        : `/tmp/posthorn-test-${process.pid}`,
    bodyLimitBytes: overrides.bodyLimitBytes ?? 1_048_576,
    importMaxBytes: 10 * 1024 * 1024,
    loginRatePerMinute: overrides.loginRatePerMinute ?? 10,
    logLevel: 'silent',
    publicUrl: overrides.publicUrl ?? 'http://localhost:3000',
    trustProxy: overrides.trustProxy,
    adminUrl: overrides.adminUrl,
    version: 'test',
  });
  await app.ready();
  const { key } = await t.services.access.createApiKey('test-admin', 'admin', admin);
  return {
    app,
    services: t.services,
    adminKey: key,
    dispose: async () => {
      await app.close();
      await t.database.dispose();
    },
  };
}
