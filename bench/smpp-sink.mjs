// A local SMPP 3.4 server for the SMS benchmark (the npm `smpp` package in server mode), in its
// own process: binds anyone, accepts every submit_sm, counts them, prints the count on SIGTERM.
import smpp from 'smpp';

let submits = 0;
let id = 0;
const server = smpp.createServer((session) => {
  session.on('error', () => undefined);
  session.on('bind_transceiver', (pdu) => session.send(pdu.response()));
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    session.close();
  });
  session.on('submit_sm', (pdu) => {
    submits += 1;
    session.send(pdu.response({ message_id: `b${++id}` }));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  process.stdout.write(`${submits}\n`);
  for (const s of server.sessions) s.destroy();
  server.close(() => process.exit(0));
});
