// Request bodies: the operation's limit and media type are checked from the headers before
// anything is read (and before authentication), then the body is read once, bounded, as UTF-8.
import getRawBody from 'raw-body';
import { ApiError, fieldError } from './problem.ts';
import { ConversionError } from '../domain/index.ts';
import { parseJson } from '../domain/json.ts';
import type { AppContext } from './context.ts';
import type { RouteDefinition } from '../generated/routes.ts';

function hasBody(ctx: AppContext): boolean {
  return ctx.request.length > 0 || ctx.get('transfer-encoding') !== '';
}

export function checkBodyHeaders(ctx: AppContext, route: RouteDefinition): void {
  if (route.requestContentTypes.length === 0 || !hasBody(ctx)) return;
  const length = ctx.request.length;
  if (length !== undefined && length > route.bodyLimit) throw tooLarge(route);
  if (!ctx.is(route.requestContentTypes as string[])) {
    throw new ApiError('E1003', `This operation accepts ${route.requestContentTypes.join(', ')}.`);
  }
}

export async function readJsonBody(ctx: AppContext, route: RouteDefinition): Promise<unknown> {
  if (route.requestContentTypes.length === 0 || !hasBody(ctx)) return undefined;
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit: route.bodyLimit, length: ctx.request.length, encoding: 'utf-8' });
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') throw tooLarge(route);
    if (type === 'request.size.invalid') throw new ApiError('E1002', 'The body is shorter or longer than its Content-Length.');
    throw error;
  }
  try {
    return parseJson(text);
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    throw new ApiError('E1002', 'The request body is not valid JSON.', { errors: [fieldError('', error.message, error)] });
  }
}

function tooLarge(route: RouteDefinition): ApiError {
  return new ApiError('E1004', `The body exceeds this operation's limit of ${route.bodyLimit} bytes.`);
}
