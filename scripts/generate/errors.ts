// The error catalog becomes the server's error table and the customer-facing error reference.
import type { ErrorEntry } from '../lib/spec.ts';

export const PROBLEM_TYPE_BASE = 'https://transmute.dev/errors/';

export function generateErrorTable(catalog: Record<string, ErrorEntry>): string {
  const rows = Object.entries(catalog)
    .map(([code, e]) => `  ${code}: { status: ${e.status}, title: ${JSON.stringify(e.title)}${e.retry === false ? ', retry: false' : ''} },`)
    .join('\n');
  return `export const PROBLEM_TYPE_BASE = ${JSON.stringify(PROBLEM_TYPE_BASE)};

export const errorCatalog = {
${rows}
} as const;

export type ErrorCode = keyof typeof errorCatalog;
`;
}

export function generateErrorDocs(catalog: Record<string, ErrorEntry>): string {
  const sections = Object.entries(catalog).map(
    ([code, e]) =>
      `## ${code}: ${e.title}\n\nHTTP ${e.status}. Problem type \`${PROBLEM_TYPE_BASE}${code}\`.` +
      `${e.retry === false ? ' Sent with `x-should-retry: false`: the SDKs do not retry it.' : ''}\n\n- **When:** ${e.when}\n- **What to do:** ${e.fix}\n`,
  );
  return `# Error reference

Every error Transmute returns is an RFC 9457 \`application/problem+json\` document:

\`\`\`json
{
  "type": "${PROBLEM_TYPE_BASE}E1001",
  "title": "Request validation failed",
  "status": 400,
  "code": "E1001",
  "detail": "The request does not match the schema.",
  "instance": "/v1/conversions",
  "request_id": "3f2b8c1e-9d4a-4e7b-a6c5-0b1d2e3f4a5b",
  "errors": [{ "path": "/to", "message": "must be one of: json, ndjson, csv, tsv, yaml, xml" }]
}
\`\`\`

Match on \`code\`, which never changes meaning; \`title\` and \`detail\` are for people. \`errors\` appears on
validation and parse failures. Quote \`request_id\` when you contact support.

| code | status | title |
|---|---|---|
${Object.entries(catalog).map(([code, e]) => `| [${code}](#${code.toLowerCase()}-${slug(e.title)}) | ${e.status} | ${e.title} |`).join('\n')}

${sections.join('\n')}`;
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}
