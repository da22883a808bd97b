/** The parts of the `smpp` package (no published types) that Posthorn uses. */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer } from 'node:net';

  export interface Pdu {
    command: string;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    response(fields?: Record<string, unknown>): Pdu;
  }

  export interface Session extends EventEmitter {
    send(pdu: Pdu, onResponse?: (pdu: Pdu) => void): boolean;
    bind_transceiver(fields: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    submit_sm(fields: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    deliver_sm(fields: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    enquire_link(fields?: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    unbind(fields?: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    pause(): void;
    resume(): void;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export interface Server extends NetServer {
    sessions: Session[];
  }

  export function connect(options: { host: string; port: number; tls?: boolean | undefined }): Session;
  export function createServer(listener: (session: Session) => void): Server;

  export const ESME_ROK: number;
  export const ESME_RTHROTTLED: number;
  export const ESME_RMSGQFUL: number;
  export const ESME_RINVPASWD: number;
  export const ESME_RBINDFAIL: number;
  export const ESME_RINVDSTADR: number;
  export const ESME_RSYSERR: number;
  const smpp: {
    connect: typeof connect;
    createServer: typeof createServer;
    errors: Record<string, number>;
  };
  export default smpp;
}
