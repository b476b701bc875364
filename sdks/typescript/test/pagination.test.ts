// Cursor pages from the shared vectors: page-by-page access and the iterator over every item.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Transmute } from '../src/index.ts';
import { fakeFetch, json, readVectors } from './support/fake-fetch.ts';

interface PageVector {
  name: string;
  pages: { request_cursor: string | null; body: { data: { id: string }[]; next_cursor: string | null } }[];
  items: string[];
}
const { vectors } = readVectors<{ vectors: PageVector[] }>('pagination.json');

const clientFor = (v: PageVector) => {
  const fake = fakeFetch(v.pages.map((p) => json(200, p.body)));
  return { client: new Transmute({ apiKey: 'tk', baseURL: 'http://sdk.test', fetch: fake.fetch }), sent: fake.sent };
};

describe('pagination vectors (sdks/conformance/pagination.json)', () => {
  for (const v of vectors) {
    it(`${v.name}: for await walks every item`, async () => {
      const { client, sent } = clientFor(v);
      const ids: string[] = [];
      for await (const job of client.jobs.list({ limit: 2 })) ids.push(job.id);
      assert.deepEqual(ids, v.items);
      assert.deepEqual(sent.map((r) => r.url.searchParams.get('cursor')), v.pages.map((p) => p.request_cursor));
      assert.ok(sent.every((r) => r.url.searchParams.get('limit') === '2'), 'the query is kept on every page');
    });

    it(`${v.name}: page by page`, async () => {
      const { client } = clientFor(v);
      let page = await client.jobs.list({ limit: 2 });
      const seen = [page.data];
      assert.deepEqual(page.body, v.pages[0]?.body);
      for (let next = await page.getNextPage(); next; next = await page.getNextPage()) {
        page = next;
        seen.push(page.data);
      }
      assert.equal(page.hasNextPage(), false);
      assert.deepEqual(seen.flat().map((j) => j.id), v.items);
    });
  }
});
