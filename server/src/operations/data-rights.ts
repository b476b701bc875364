// me (data rights): consents, data exports, and deleting the account. Only a signed-in user may
// (the spec admits no API key here).
import { requestMeta, signedInUser } from '../http/request-meta.ts';
import type { Handler } from '../http/handler.ts';
import type { DataRights } from '../data-rights/index.ts';

// How soon a client polling a pending export should ask again.
const RETRY_AFTER_S = '5';

export function dataRightsHandlers(rights: DataRights): {
  deleteAccount: Handler<'deleteAccount'>;
  getConsents: Handler<'getConsents'>;
  updateConsents: Handler<'updateConsents'>;
  createDataExport: Handler<'createDataExport'>;
  getDataExport: Handler<'getDataExport'>;
} {
  return {
    deleteAccount: async ({ principal, requestId }) => {
      await rights.erasure.erase(signedInUser(principal).accountId, requestId);
      return { status: 204, body: undefined };
    },

    getConsents: async ({ principal }) => ({ status: 200, body: await rights.consents.get(signedInUser(principal).accountId) }),

    updateConsents: async ({ body, principal, ctx }) => ({
      status: 200,
      body: await rights.consents.replace(signedInUser(principal).accountId, body, requestMeta(ctx)),
    }),

    createDataExport: async ({ principal, ctx }) => {
      const created = await rights.exports.request(signedInUser(principal).accountId, requestMeta(ctx));
      return { status: 202, body: created, headers: { Location: `/v1/me/exports/${created.id}` } };
    },

    getDataExport: async ({ params, principal }) => {
      const download = await rights.exports.download(params.path.id, signedInUser(principal).accountId);
      if (download.ready) {
        const disposition = `attachment; filename="transmute-${params.path.id}.json"`;
        return { status: 200, body: download.archive, headers: { 'Content-Disposition': disposition } };
      }
      const headers: Record<string, string> = download.export.status === 'failed' ? {} : { 'Retry-After': RETRY_AFTER_S };
      return { status: 202, body: download.export, headers };
    },
  };
}
