// The signed-in account: profile, consents, the data export, audit log, and (last of the whole
// run, on an account of its own) deletion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError, type DataExportArchive } from '../../src/index.ts';
import { collect, contract, newUser, PASSWORD, until } from '../support/contract.ts';
import { rejectsWith } from '../support/errors.ts';

export function meSuite(): void {
  describe('me', () => {
    it('getAccount and updateAccount (name: a value, then null)', async () => {
      const { user, email } = await newUser('me');
      assert.equal((await user.me.getAccount()).email, email);
      assert.equal((await user.me.updateAccount({ name: 'Ada King' })).name, 'Ada King');
      // null clears the name, which leaving it out would not.
      assert.equal((await user.me.updateAccount({ name: null })).name, null);
    });

    it('getConsents and updateConsents keep the history', async () => {
      const { user } = await newUser('consents');
      const before = await user.me.getConsents();
      const after = await user.me.updateConsents({ marketing_emails: true, product_analytics: false });
      assert.deepEqual(after.consents, { marketing_emails: true, product_analytics: false });
      assert.equal(after.history.length, before.history.length + 1);
      assert.deepEqual(await user.me.getConsents(), after);
    });

    it('createDataExport queues the archive; getDataExport answers 202 until it is ready, then the archive', async () => {
      const { user, email } = await newUser('export');
      const { data: queued, response } = await user.me.createDataExport().withResponse();
      assert.equal(response.status, 202);
      assert.equal(response.headers.get('location'), `/v1/me/exports/${queued.id}`);
      const archive = await until(async () => {
        const { data, response } = await user.me.getDataExport(queued.id).withResponse();
        return response.status === 200 && (data as DataExportArchive);
      }, 'the export to be ready');
      assert.equal(archive.account.email, email);
    });
  });

  describe('audit', () => {
    it('audit.listEvents shows the account\'s security events, filtered by action', async () => {
      const { user, email } = await newUser('audit');
      await rejectsWith(contract().anonymous.auth.logIn({ email, password: `not ${PASSWORD}` }), AuthenticationError, 'E1108');
      const failed = await collect(user.audit.listEvents({ action: 'login.failed' }));
      assert.equal(failed.length, 1);
      assert.equal(failed[0]?.outcome, 'failure');
    });
  });
}

/** Deleting an account revokes its credentials: the run's last call, on an account of its own. */
export function accountDeletionSuite(): void {
  describe('account deletion', () => {
    it('deleteAccount erases the account; its token stops working', async () => {
      const { user } = await newUser('deleted');
      assert.equal(await user.me.deleteAccount(), undefined);
      await rejectsWith(user.me.getAccount(), AuthenticationError, 'E1110');
    });
  });
}
