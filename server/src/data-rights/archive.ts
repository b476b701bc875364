// The data export's archive (the spec's DataExportArchive): one collector per source, run one after
// another so an export never holds more than one connection. A source that arrives later is one
// more line in collectors.ts, and the compiler refuses an archive that leaves a section out.
import type { Page, PageRequest } from '../db/pagination.ts';
import type { components } from '../generated/api-types.ts';

export type Archive = components['schemas']['DataExportArchive'];
export type Sections = Omit<Archive, 'format_version' | 'generated_at'>;
export type Collectors = { [K in keyof Sections]: (accountId: string) => Promise<Sections[K]> };

const FORMAT_VERSION = 1;
// The largest page the list operations serve.
const PAGE_SIZE = 100;

export async function buildArchive(accountId: string, collectors: Collectors, at: Date): Promise<Archive> {
  const sections: Partial<Record<keyof Sections, unknown>> = {};
  for (const [name, collect] of Object.entries(collectors) as [keyof Sections, (id: string) => Promise<unknown>][]) {
    sections[name] = await collect(accountId);
  }
  return { format_version: FORMAT_VERSION, generated_at: at.toISOString(), ...(sections as Sections) };
}

/** Every item of a paginated list, up to `max` (the spec's bound on the section). */
export async function allPages<T>(list: (request: PageRequest) => Promise<Page<T>>, max: number): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: Math.min(PAGE_SIZE, max - items.length), cursor });
    items.push(...page.data);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && items.length < max);
  return items;
}
