/**
 * One server of the tracking benchmark, in its own process so the load generator does not share
 * its event loop. `baseline`: a bare Node `http` server answering the same GIF. `posthorn`: the
 * real server (routes, token check, group commit into the SQLite file). Prints its port; when
 * stdin closes it stops, commits what is queued and prints the committed event count.
 * Usage: tsx bench/tracking-server.ts baseline|posthorn [db-file] [secret]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../src/core/index.js';
import { pixelGif } from '../src/http/routes/tracking.routes.js';
import { buildServer } from '../src/http/server.js';
import { buildServices } from '../src/services.js';
import { openDatabase } from '../src/storage/index.js';

const [mode, file, secret] = process.argv.slice(2);
const done = new Promise<void>((resolve) => {
  process.stdin.on('end', resolve);
  process.stdin.resume();
});
if (mode === 'baseline') {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-store, private' });
    res.end(pixelGif);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  console.log((server.address() as AddressInfo).port);
  await done;
  server.close();
  console.log(0);
} else {
  const handle = openDatabase({ engine: 'sqlite', file: file as string });
  const services = buildServices(handle, {
    clock: systemClock,
    defaultCountry: 'NO',
    sessionTtlMs: 1,
    importBatchSize: 1,
    importMaxBytes: 1,
    publicUrl: 'http://127.0.0.1',
    secret,
  });
  const app = await buildServer(services, {
    dataDir: '/tmp',
    bodyLimitBytes: 1_048_576,
    importMaxBytes: 1,
    loginRatePerMinute: 10,
    logLevel: 'silent',
    publicUrl: 'http://127.0.0.1',
    version: 'bench',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  console.log((app.server.address() as AddressInfo).port);
  await done;
  await app.close();
  await services.tracking.close();
  console.log(services.tracking.committedEvents);
  await handle.close();
}
