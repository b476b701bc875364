// Cursor pages (`{data, next_cursor}`): one page at a time, or every item with `for await`.
import { APIPromise, type WithResponse } from './api-promise.ts';

export interface CursorPageBody<Item> {
  data: Item[];
  next_cursor?: string | null;
  [extra: string]: unknown;
}

export class Page<Item> implements AsyncIterable<Item> {
  readonly data: Item[];
  readonly next_cursor: string | null;
  /** The whole body, unknown fields included. */
  readonly body: CursorPageBody<Item>;
  readonly #fetchPage: (cursor: string) => APIPromise<Page<Item>>;

  constructor(body: CursorPageBody<Item>, fetchPage: (cursor: string) => APIPromise<Page<Item>>) {
    this.body = body;
    this.data = body.data;
    this.next_cursor = body.next_cursor ?? null;
    this.#fetchPage = fetchPage;
  }

  hasNextPage(): boolean {
    return this.next_cursor !== null;
  }

  /** The following page, or null on the last one. */
  async getNextPage(): Promise<Page<Item> | null> {
    return this.next_cursor === null ? null : await this.#fetchPage(this.next_cursor);
  }

  /** Every page from this one on. An empty page with a cursor is followed, not taken as the end. */
  async *iterPages(): AsyncGenerator<Page<Item>> {
    let page: Page<Item> | null = this;
    while (page) {
      yield page;
      page = await page.getNextPage();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Item> {
    for await (const page of this.iterPages()) yield* page.data;
  }
}

/** `await list()` gives the first page; `for await (const item of list())` walks every item. */
export class PagePromise<Item> extends APIPromise<Page<Item>> implements AsyncIterable<Item> {
  constructor(result: Promise<WithResponse<Page<Item>>>) {
    super(result);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Item> {
    yield* await this;
  }
}
