// The SDK against the real server on the real PostgreSQL (DATABASE_URL): every operation of the
// spec, called through the SDK as an integrator would, with the outcome the spec documents. One
// contract environment for the whole run (sdks/conformance/contract); when it stops, the server's
// own request histogram names the operations no call reached and the run fails on them, so an
// operation added to the spec fails here until a test calls it.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { apiKeysSuite } from './contract/api-keys.ts';
import { authSuite } from './contract/auth.ts';
import { conversionsSuite } from './contract/conversions.ts';
import { jobsSuite } from './contract/jobs.ts';
import { accountDeletionSuite, meSuite } from './contract/me.ts';
import { operationsSuite } from './contract/operations.ts';
import { readmeSuite } from './contract/readme.ts';
import { usageSuite } from './contract/usage.ts';
import { webhooksSuite } from './contract/webhooks.ts';
import { startContract, stopContract } from './support/contract.ts';

before(startContract);
after(async () => {
  const { uncovered, report } = await stopContract();
  assert.deepEqual(uncovered, [], report);
});

operationsSuite();
conversionsSuite();
jobsSuite();
webhooksSuite();
usageSuite();
authSuite();
apiKeysSuite();
meSuite();
readmeSuite();
// Last: it ends an account, and nothing may run after the run's one deletion.
accountDeletionSuite();
