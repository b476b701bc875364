// Formats and synchronous conversions, with the environment's API key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnprocessableEntityError } from '../../src/index.ts';
import { contract } from '../support/contract.ts';
import { rejectsWith } from '../support/errors.ts';

export function conversionsSuite(): void {
  describe('formats and conversions', () => {
    it('formats.list names every format and what it converts to', async () => {
      const { data } = await contract().client.formats.list();
      const csv = data.find((format) => format.id === 'csv');
      assert.equal(csv?.media_type, 'text/csv');
      assert.ok(csv.converts_to.includes('json'));
    });

    it('conversions.create converts and counts', async () => {
      const conversion = await contract().client.conversions.create({ from: 'json', to: 'csv', input: '[{"a":1},{"a":2}]' });
      assert.equal(conversion.output, 'a\r\n1\r\n2\r\n');
      assert.equal(conversion.stats.records, 2);
    });

    it('conversions.create refuses input it cannot parse (UnprocessableEntityError E1201)', async () => {
      await rejectsWith(contract().client.conversions.create({ from: 'json', to: 'csv', input: '{' }), UnprocessableEntityError, 'E1201');
    });

    it('conversions.createBatch answers per item, a problem for the one that failed', async () => {
      const batch = await contract().client.conversions.createBatch({
        items: [
          { from: 'json', to: 'yaml', input: '{"a":1}' },
          { from: 'json', to: 'csv', input: '{' },
        ],
      });
      assert.deepEqual([batch.succeeded, batch.failed], [1, 1]);
      assert.equal(batch.data[0]?.result?.output, 'a: 1\n');
      assert.equal(batch.data[1]?.error?.code, 'E1201');
    });
  });
}
