// API keys are managed with a user's token; a key cannot manage keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError, PermissionDeniedError } from '../../src/index.ts';
import { collect, contract, newUser } from '../support/contract.ts';
import { rejectsWith } from '../support/errors.ts';

export function apiKeysSuite(): void {
  describe('api keys', () => {
    it('create shows the secret once; list and retrieve show the key without it', async () => {
      const { user } = await newUser('keys');
      const created = await user.apiKeys.create({ name: 'CI pipeline', scopes: ['conversions:write', 'jobs:read'] });
      assert.match(created.api_key.id, /^key_/);
      assert.ok(created.secret.startsWith(created.api_key.prefix));
      const listed = await collect(user.apiKeys.list());
      assert.deepEqual(listed.map((key) => key.id), [created.api_key.id]);
      assert.equal('secret' in listed[0]!, false);
      const retrieved = await user.apiKeys.retrieve(created.api_key.id);
      assert.deepEqual(retrieved.scopes, ['conversions:write', 'jobs:read']);
      // The new key works for what its scopes allow.
      assert.equal((await contract().as(created.secret).formats.list()).data.length > 0, true);
    });

    it('rotate issues a new secret; revoke ends the key (E1104)', async () => {
      const { user } = await newUser('rotate');
      const created = await user.apiKeys.create({ name: 'rotating', scopes: ['jobs:read'] });
      const rotated = await user.apiKeys.rotate(created.api_key.id, { grace_period_seconds: 0 });
      assert.notEqual(rotated.secret, created.secret);
      assert.ok(rotated.api_key.rotated_at);
      await user.apiKeys.revoke(created.api_key.id);
      await rejectsWith(contract().as(rotated.secret).jobs.list(), AuthenticationError, 'E1104');
      assert.ok((await user.apiKeys.retrieve(created.api_key.id)).revoked_at);
    });

    it('an API key cannot manage keys (PermissionDeniedError E1107)', async () => {
      await rejectsWith(contract().client.apiKeys.list(), PermissionDeniedError, 'E1107');
    });
  });
}
