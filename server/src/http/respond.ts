// The one place a handler's reply becomes the HTTP response. In development and test the body is
// checked against the spec first, so a handler that drifts from its contract fails loudly.
import { ApiError } from './problem.ts';
import { fieldErrors } from './validate.ts';
import type { AppContext } from './context.ts';
import type { RouteDefinition } from '../generated/routes.ts';

interface AnyReply {
  status: number | string | symbol;
  body: unknown;
  headers?: Record<string, string>;
}

export function respond(ctx: AppContext, route: RouteDefinition, reply: AnyReply, validate: boolean): void {
  const status = Number(reply.status);
  if (validate) {
    const validator = route.validate.responses[status];
    if (!(String(status) in route.responseTypes)) {
      ctx.state.log.error({ status }, 'handler replied with a status the spec does not declare');
      throw new ApiError('E1000');
    }
    if (validator && !validator(reply.body)) {
      ctx.state.log.error({ status, errors: fieldErrors(validator.errors ?? [], '') }, 'response does not match the spec');
      throw new ApiError('E1000');
    }
  }
  ctx.status = status;
  const type = route.responseTypes[String(status)];
  if (type) ctx.type = type;
  // After the spec's media type, so a handler can refine it (a version parameter, a charset).
  if (reply.headers) ctx.set(reply.headers);
  // Koa turns an assigned empty body into 204; a redirect or a 204 simply has none.
  if (reply.body !== undefined) ctx.body = reply.body;
}
