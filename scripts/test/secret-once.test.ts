// x-secret-once as the generator reads it from the spec: the operations whose success response
// holds a secret shown once, and the mistakes that would let a replay store or return a secret.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSpec, operationsOf } from '../lib/spec.ts';
import { secretOnceOf, takesIdempotencyKey } from '../generate/routes.ts';

const spec = loadSpec();
const operation = (id: string) => structuredClone(operationsOf(spec).find((o) => o.operationId === id)!.op);

describe('x-secret-once', () => {
  it('marks every operation whose response holds a secret, each with the id it names', () => {
    const marked = Object.fromEntries(
      operationsOf(spec)
        .map(({ operationId, op }) => [operationId, secretOnceOf(spec, op, takesIdempotencyKey(spec, op))?.idPath.join('/')] as const)
        .filter(([, path]) => path !== undefined),
    );
    assert.deepEqual(marked, {
      createApiKey: 'api_key/id',
      rotateApiKey: 'api_key/id',
      createWebhookEndpoint: 'endpoint/id',
      rotateWebhookSecret: 'endpoint/id',
    });
  });

  it('refuses an operation taking an Idempotency-Key whose response has a secret but no x-secret-once', () => {
    const op = operation('createApiKey');
    delete op['x-secret-once'];
    assert.throws(() => secretOnceOf(spec, op, true), /declare x-secret-once/);
    assert.equal(secretOnceOf(spec, op, false), null);
  });

  it('refuses x-secret-once without the Idempotency-Key, or with a pointer to no string', () => {
    assert.throws(() => secretOnceOf(spec, operation('rotateWebhookSecret'), false), /needs the IdempotencyKey parameter/);
    for (const pointer of ['/api_key/nope', '/api_key', 'api_key/id']) {
      const op = { ...operation('createApiKey'), 'x-secret-once': pointer };
      assert.throws(() => secretOnceOf(spec, op, true), /x-secret-once/, pointer);
    }
  });
});
