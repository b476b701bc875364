// Response compression (RFC 9110, sections 8.4 and 12.5.3): Brotli or gzip, whichever the client's
// Accept-Encoding prefers, for text bodies of at least MIN_BYTES. Most of the API's answers are
// smaller and pass untouched: under about a kilobyte a coding's framing eats most of the gain, and
// the hot path stays as it was. Conversions, job results, exports, the spec and /docs are where
// the bytes are.
//
// BREACH (a secret and attacker-chosen text compressed together, the length observed) needs a
// browser to send credentials on its own: the API authenticates by API key or bearer token in a
// header, never by cookie, so no cross-site request reaches a secret.
import { Stream, pipeline } from 'node:stream';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import type { AppContext, AppMiddleware } from './context.ts';

const MIN_BYTES = 1024;

// Event streams are text but must reach the client event by event, which a compressor's buffer
// would hold back.
const COMPRESSIBLE = /^(?:text\/(?!event-stream$)|application\/(?:json|problem\+json|x-ndjson|xml|yaml|[\w.+-]+\+(?:json|xml))$)/;

const ENCODERS = {
  // Quality 4 of 11: Brotli's default (11) costs tens of times the CPU for a few percent.
  br: (size: number | undefined) =>
    createBrotliCompress({
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 4,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        ...(size === undefined ? {} : { [constants.BROTLI_PARAM_SIZE_HINT]: size }),
      },
    }),
  gzip: () => createGzip(),
};

export function compress(): AppMiddleware {
  return (ctx, next) => next().then(() => compressBody(ctx));
}

function compressBody(ctx: AppContext): void {
  const { body } = ctx;
  if (body === null || body === undefined || ctx.method === 'HEAD' || ctx.res.hasHeader('Content-Encoding')) return;
  if (!COMPRESSIBLE.test(ctx.response.type)) return;
  let size: number | undefined;
  if (body instanceof Stream) {
    size = undefined;
  } else {
    // Serialized here rather than by Koa's respond, which then sends the string as it is.
    if (typeof body !== 'string' && !Buffer.isBuffer(body)) ctx.body = JSON.stringify(body);
    size = ctx.length;
    if (size === undefined || size < MIN_BYTES) return;
  }
  // Whether this answer is compressed depends on Accept-Encoding from here on: caches must know.
  ctx.vary('Accept-Encoding');
  const encoding = ctx.acceptsEncodings('br', 'gzip', 'identity');
  if (encoding !== 'br' && encoding !== 'gzip') return;
  const encoder = ENCODERS[encoding](size);
  const source = ctx.body as Stream | string | Buffer;
  ctx.set('Content-Encoding', encoding);
  if (source instanceof Stream) {
    // A failing source destroys the encoder, which Koa then reports like any failed body stream.
    ctx.body = pipeline(source as NodeJS.ReadableStream, encoder, () => {});
  } else {
    encoder.end(source);
    ctx.body = encoder;
  }
}
