// Request bodies: the operation's limit and media type are checked from the headers before
// anything is read (and before authentication), then the body is read once, bounded: whole as
// UTF-8 (readJsonBody), or as a stream of bytes by an operation that reads its own (bodyBytes).
import getRawBody from 'raw-body';
import { ApiError, fieldError } from './problem.ts';
import { ConversionError } from '../domain/index.ts';
import { parseJson } from '../domain/json.ts';
import type { AppContext } from './context.ts';
import type { RouteDefinition } from '../generated/routes.ts';

/** Reads and parses an operation's body; undefined when the request has none. */
export type BodyReader = (ctx: AppContext, route: RouteDefinition) => Promise<unknown>;

export function hasBody(ctx: AppContext): boolean {
  return ctx.request.length > 0 || ctx.get('transfer-encoding') !== '';
}

export function checkBodyHeaders(ctx: AppContext, route: RouteDefinition): void {
  if (route.requestContentTypes.length === 0 || !hasBody(ctx)) return;
  const length = ctx.request.length;
  if (length !== undefined && length > route.bodyLimit) throw tooLarge(route);
  if (!route.requestContentTypes.includes(mediaType(ctx.get('content-type')))) {
    throw new ApiError('E1003', `This operation accepts ${route.requestContentTypes.join(', ')}.`);
  }
  // RFC 9110, section 15.5.16: a coding the server does not decode is a 415 naming what it takes.
  const coding = ctx.get('content-encoding');
  if (coding !== '' && coding.toLowerCase() !== 'identity') {
    throw new ApiError('E1012', 'Request bodies are read as they are: send this one without Content-Encoding.', { headers: { 'Accept-Encoding': 'identity' } });
  }
}

/**
 * A Content-Type's media type without its parameters, lower-cased (RFC 9110, section 8.3.1): the
 * spec names exact media types, so a comparison suffices where type-is parsed the header and
 * matched patterns on every request.
 */
export function mediaType(contentType: string): string {
  const end = contentType.indexOf(';');
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}

export const readJsonBody: BodyReader = async (ctx, route) => {
  if (route.requestContentTypes.length === 0 || !hasBody(ctx)) return undefined;
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit: route.bodyLimit, length: ctx.request.length, encoding: 'utf-8' });
  } catch (error) {
    drainUnread(ctx);
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') throw tooLarge(route);
    // A client that closed the connection mid-body gets no answer, but the request is still its
    // fault, not the server's: a 400 in the logs and metrics, not a 500 anyone could provoke.
    if (type === 'request.size.invalid' || type === 'request.aborted') throw shortBody();
    throw error;
  }
  if (ctx.request.length === undefined) ctx.state.bodyBytes = Buffer.byteLength(text);
  try {
    return parseJson(text);
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    throw malformedJson(error.message, error);
  }
};

/**
 * The body's bytes as they arrive, refused with E1004 as soon as they pass the operation's limit.
 * Node's parser ends a body at its Content-Length, and answers 400 itself when the connection
 * closes before that.
 */
export async function* bodyBytes(ctx: AppContext, route: RouteDefinition): AsyncGenerator<Buffer> {
  let received = 0;
  try {
    // Not destroyed when the reader stops early, so the refusal still reaches the client.
    for await (const chunk of ctx.req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > route.bodyLimit) throw tooLarge(route);
      yield chunk;
    }
  } catch (error) {
    // The connection closed before the body was complete: the client's doing (see readJsonBody).
    if (!(error instanceof ApiError) && !ctx.req.complete) throw shortBody();
    throw error;
  } finally {
    if (ctx.request.length === undefined) ctx.state.bodyBytes = received;
    drainUnread(ctx);
  }
}

/**
 * After a refusal the rest of the body is read and dropped, so the connection can carry the next
 * request (a body left unread would stall it until a timeout). REQUEST_TIMEOUT_MS bounds how long.
 */
function drainUnread(ctx: AppContext): void {
  if (!ctx.req.readableEnded) ctx.req.resume();
}

/** E1002 for JSON that does not parse, with where it stopped (1-based line and column). */
export function malformedJson(message: string, at: { line?: number | undefined; column?: number | undefined }): ApiError {
  return new ApiError('E1002', 'The request body is not valid JSON.', { errors: [fieldError('', message, at)] });
}

function shortBody(): ApiError {
  return new ApiError('E1002', 'The body is shorter or longer than its Content-Length.');
}

function tooLarge(route: RouteDefinition): ApiError {
  return new ApiError('E1004', `The body exceeds this operation's limit of ${route.bodyLimit} bytes.`);
}
