// The server starts only when its handlers are exactly the spec's operations.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { assertHandlersMatchSpec, RouteTableError, routerPath } from '../../src/http/router.ts';
import { routes } from '../../src/generated/routes.ts';

const complete = Object.fromEntries(routes.map((r) => [r.operationId, () => undefined]));

it('accepts one handler per operation', () => {
  assert.doesNotThrow(() => assertHandlersMatchSpec(complete));
});

it('refuses an operation without a handler, naming it', () => {
  const { createConversion: _, ...rest } = complete;
  assert.throws(() => assertHandlersMatchSpec(rest), (e: Error) => e instanceof RouteTableError && /operation without a handler: createConversion/.test(e.message));
});

it('refuses a handler the spec does not have, naming it', () => {
  assert.throws(() => assertHandlersMatchSpec({ ...complete, deleteEverything: () => undefined }), /handler without an operation in the spec: deleteEverything/);
});

it('turns spec path templates into router paths', () => {
  assert.equal(routerPath('/v1/jobs/{id}/result'), '/v1/jobs/:id/result');
});
