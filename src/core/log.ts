import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * The process's one logger: JSON lines on stderr (stdout stays for command output), at the
 * configured level. The HTTP server, the workers and the bounce intake all write through it.
 * Whatever looks like a credential is redacted wherever it appears in a logged object.
 */
export function createLogger(level: string, stream: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          '*.password',
          '*.secret',
          '*.apiKey',
          '*.privateKey',
        ],
        censor: '***',
      },
    },
    stream as DestinationStream,
  );
}
