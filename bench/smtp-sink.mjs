// A local SMTP sink for the send benchmark, in its own process so it does not share the
// sender's event loop: accepts everything, counts messages, prints the count on SIGTERM.
import { SMTPServer } from 'smtp-server';

let messages = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, cb) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      messages += 1;
      cb();
    });
  },
});
server.on('error', () => undefined);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.server.address().port}\n`);
});
process.on('SIGTERM', () => {
  process.stdout.write(`${messages}\n`);
  server.close(() => process.exit(0));
});
