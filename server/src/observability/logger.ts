// Structured logs (pino). Credentials are redacted by path before a line is written, so a
// careless log call cannot leak a key.
import pino, { type Logger } from 'pino';

export type { Logger };

// Explicit paths only: wildcard paths make pino walk every logged object, which cost more per
// request than the rest of logging (make bench's profile). Log calls never pass request headers or
// bodies; these paths catch the fields that would carry a credential if one ever did.
export const REDACTED_PATHS = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'password',
  'secret',
  'token',
  'api_key',
  'access_token',
  'refresh_token',
  'mfa_token',
  'code',
];

const FLUSH_INTERVAL_MS = 1_000;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'transmute' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * Standard output, written `bufferBytes` at a time, every second, and on exit (pino flushes an
 * asynchronous destination when the process exits). A write per line cost a request about as much
 * as the rest of its logging (make bench, A/B at a fixed CPU); a hard kill loses at most the
 * buffer and the last second. 0 writes each line synchronously, as it is logged.
 */
export function stdoutDestination(bufferBytes: number): pino.DestinationStream {
  if (bufferBytes === 0) return pino.destination({ dest: 1, sync: true });
  const destination = pino.destination({ dest: 1, sync: false, minLength: bufferBytes });
  setInterval(() => destination.flush(), FLUSH_INTERVAL_MS).unref();
  return destination;
}
