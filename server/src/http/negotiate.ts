// Content negotiation on the Accept header (RFC 9110, section 12.5.1): an operation whose every
// success media type the client refuses is answered 406 (E1007) before any work, instead of a body
// the client said it cannot use. Each type the operation produces takes the quality of the most
// specific range that matches it (`type/subtype` over `type/*` over `*/*`); q=0 refuses it. A
// range of application/json also matches the `+json` types (RFC 6839): a client that reads JSON
// reads application/health+json too.
import { ApiError } from './problem.ts';
import { mediaType } from './body.ts';

interface Range {
  type: string;
  subtype: string;
  q: number;
}

/** Throws E1007 when `accept` (the header, '' when absent) allows none of `produces`. */
export function checkAcceptable(accept: string, produces: readonly string[]): void {
  // The common cases, without parsing: no header, anything, or the API's own type.
  if (accept === '' || produces.length === 0 || accept === '*/*' || accept === 'application/json') return;
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return;
  if (produces.some((type) => qualityOf(mediaType(type), ranges) > 0)) return;
  throw new ApiError('E1007', `This operation answers with ${produces.map(mediaType).join(', ')}; the Accept header allows none of them.`);
}

function parseAccept(accept: string): Range[] {
  const ranges: Range[] = [];
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';');
    const [type, subtype] = range.trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim());
      if (name?.toLowerCase() === 'q') q = Number(value);
    }
    // A malformed weight is read as 1 rather than refusing the client for it.
    ranges.push({ type, subtype, q: Number.isFinite(q) ? q : 1 });
  }
  return ranges;
}

/** The quality the most specific matching range gives `type` (already lower-cased, no parameters); 0 when none matches. */
function qualityOf(type: string, ranges: Range[]): number {
  const slash = type.indexOf('/');
  const main = type.slice(0, slash);
  const sub = type.slice(slash + 1);
  const suffix = sub.includes('+') ? sub.slice(sub.lastIndexOf('+') + 1) : undefined;
  let best = -1;
  let quality = 0;
  for (const range of ranges) {
    const specificity =
      range.type === main && range.subtype === sub ? 3
      : range.type === main && suffix !== undefined && range.subtype === suffix ? 2
      : range.type === main && range.subtype === '*' ? 1
      : range.type === '*' && range.subtype === '*' ? 0
      : -1;
    if (specificity > best) {
      best = specificity;
      quality = range.q;
    }
  }
  return quality;
}
