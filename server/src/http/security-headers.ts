// Security headers from helmet, computed once at startup: helmet's headers do not vary per
// request (we use no CSP nonces), so the hot path only copies a frozen list.
import helmet, { type HelmetOptions } from 'helmet';
import type { AppMiddleware } from './context.ts';

type HeaderList = ReadonlyArray<readonly [string, string]>;

// An API answers JSON: its pages may load nothing and be framed by no one.
const API_CSP = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * The reference page (/docs) is the exception: it runs Redoc's script, inlined so no CDN is
 * needed. Scripts are allowed by hash only; styles need 'unsafe-inline' because Redoc injects its
 * styles at run time.
 */
export function docsCsp(scriptHashes: string[]): HelmetOptions['contentSecurityPolicy'] {
  return {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: scriptHashes.map((h) => `'${h}'`),
      styleSrc: ["'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'", 'data:'],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
    },
  };
}

export function helmetHeaders(contentSecurityPolicy: HelmetOptions['contentSecurityPolicy'] = { useDefaults: false, directives: API_CSP }): HeaderList {
  const headers: Array<[string, string]> = [];
  const res = {
    setHeader: (name: string, value: string | number) => void headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  helmet({
    contentSecurityPolicy,
    // One year, subdomains included (brief, enhanced security headers).
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    xFrameOptions: { action: 'deny' },
    // helmet sends `X-XSS-Protection: 0`, as OWASP advises: the `1; mode=block` of the brief
    // turned on the browsers' XSS auditor, which opened cross-site leaks and is gone from them.
    referrerPolicy: { policy: 'no-referrer' },
  })({} as never, res as never, () => undefined);
  return Object.freeze(headers);
}

export function securityHeaders(headers: HeaderList = helmetHeaders()): AppMiddleware {
  // One call into node:http for the whole set, rather than one ctx.set() per header.
  const all = new Map(headers);
  return (ctx, next) => {
    ctx.res.setHeaders(all);
    return next();
  };
}
