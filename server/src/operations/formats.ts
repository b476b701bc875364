// formats: what Transmute reads and writes. The list never changes while the process runs.
import { describeFormats } from '../domain/index.ts';
import type { Handler } from '../http/handler.ts';

export function formatHandlers(): { listFormats: Handler<'listFormats'> } {
  const body = { data: describeFormats() };
  return { listFormats: () => ({ status: 200, body }) };
}
