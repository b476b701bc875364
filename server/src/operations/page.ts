// The cursor pagination query every list operation shares (DESIGN.md: limit 1–100, default 20).
export function pageOf(query: { limit?: number; cursor?: string }): { limit: number; cursor?: string } {
  return { limit: query.limit ?? 20, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) };
}
