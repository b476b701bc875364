// The access log: one line per answered request, the one log call every request makes. Its fields
// are fixed and none can carry a credential, so the line is put together here, in the shape pino
// gives every other line and into the same destination, instead of through a pino child logger,
// redaction and pino's serializer, which together cost a request more than its histogram, its
// usage record and its security headers combined (make bench, A/B at a fixed CPU).
import pino from 'pino';
import type { Logger } from './logger.ts';

export interface AccessEntry {
  requestId: string;
  traceId: string;
  method: string;
  /** The route's path template, never the raw path; null when no operation matched. */
  path: string | null;
  operation: string | null;
  status: number;
  durationMs: number;
  accountId: string | null;
  keyId: string | null;
  ip: string;
}

const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));

export class AccessLog {
  readonly #log: Logger;
  readonly #destination: pino.DestinationStream;
  /** The logger's base fields, e.g. `,"service":"transmute"`. */
  readonly #base: string;

  constructor(log: Logger) {
    this.#log = log;
    // pino.symbols is pino's documented way in for integrations; the stream is the logger's destination.
    this.#destination = (log as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym]!;
    const base = JSON.stringify(log.bindings());
    this.#base = base === '{}' ? '' : `,${base.slice(1, -1)}`;
  }

  /** A failure (5xx) is logged at error level, anything else at info. */
  write(entry: AccessEntry): void {
    const failed = entry.status >= 500;
    const level = failed ? 'error' : 'info';
    if (!this.#log.isLevelEnabled(level)) return;
    this.#destination.write(
      `{"level":"${level}","time":"${new Date().toISOString()}"${this.#base},"request_id":${text(entry.requestId)},"trace_id":${text(entry.traceId)}` +
        `,"method":${text(entry.method)},"path":${text(entry.path)},"operation":${text(entry.operation)},"status":${entry.status}` +
        `,"duration_ms":${entry.durationMs},"account_id":${text(entry.accountId)},"key_id":${text(entry.keyId)},"ip":${text(entry.ip)}` +
        `,"msg":"${failed ? 'request failed' : 'request'}"}\n`,
    );
  }
}
