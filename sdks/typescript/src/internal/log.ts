// Debug logging (TRANSMUTE_LOG=info|debug). Credentials never reach a log line.
export type LogLevel = 'off' | 'info' | 'debug';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

// The same set and marker in every SDK (sdks/conformance/logging.json).
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'cookie', 'set-cookie']);
const REDACTED = '[redacted]';

/** Headers as a plain object with credential values replaced. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value;
  });
  return out;
}

export function parseLogLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'info' ? value : 'off';
}

export function levelLogger(level: LogLevel, sink: Logger): Logger {
  const noop = (): void => {};
  return {
    info: level === 'off' ? noop : (m, f) => sink.info(m, f),
    debug: level === 'debug' ? (m, f) => sink.debug(m, f) : noop,
  };
}

export const consoleLogger: Logger = {
  info: (m, f) => console.info(`[transmute] ${m}`, f ?? ''),
  debug: (m, f) => console.debug(`[transmute] ${m}`, f ?? ''),
};
