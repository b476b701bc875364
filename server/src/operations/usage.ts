// usage: the caller's account's usage, as JSON by period or as a CSV download by day.
import { accountOf } from '../http/request-meta.ts';
import type { Handler } from '../http/handler.ts';
import type { UsageReports } from '../usage/usage-reports.ts';

export function usageHandlers(reports: UsageReports): {
  getUsage: Handler<'getUsage'>;
  exportUsage: Handler<'exportUsage'>;
} {
  return {
    getUsage: async ({ params, principal }) => ({ status: 200, body: await reports.usage(accountOf(principal), params.query) }),

    exportUsage: ({ params, principal }) => {
      const { filename, csv } = reports.export(accountOf(principal), params.query);
      return {
        status: 200,
        // respond() hands the body to Koa, which streams a Readable; the generated type knows only
        // the string the spec describes.
        body: csv as unknown as string,
        headers: { 'Content-Disposition': `attachment; filename="${filename}"` },
      };
    },
  };
}
