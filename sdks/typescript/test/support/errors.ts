// The error side of the contract: the SDK's class for the status, and the catalog code the spec
// documents for the case.
import assert from 'node:assert/strict';
import type { APIStatusError } from '../../src/index.ts';

export async function rejectsWith<E extends APIStatusError>(call: Promise<unknown>, errorClass: abstract new (...args: never[]) => E, code: string): Promise<E> {
  const error = await call.then(
    () => assert.fail(`expected ${errorClass.name} ${code}, but the call succeeded`),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof errorClass, `expected ${errorClass.name} ${code}, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.ok(error.request_id, 'every API error carries its request id');
  return error;
}
