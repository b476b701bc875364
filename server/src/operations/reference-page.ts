// /docs: Redoc with this server's own spec, as one page that loads nothing from elsewhere. Redoc
// (unlike swagger-ui) renders the spec's x-codeSamples, the SDK calls `make generate` writes for
// every operation. Built once, on first request, from the redoc package on disk. The empty icon
// keeps the browser from asking for /favicon.ico, which this API answers with a 404. The spec is
// embedded once, as a JSON data block (not a script, so no hash), read by both Redoc and the
// "Try it" playground.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readPlayground } from './playground.ts';

export interface ReferencePage {
  html: string;
  /** CSP source expressions (`sha256-…`) for the page's inline scripts. */
  scriptHashes: string[];
}

const require = createRequire(import.meta.url);

// Search runs in a Web Worker made from a blob: URL, which a hash-only script-src refuses (Redoc then
// fails to render at all), so it is off. Redoc's default fonts are web fonts the page would have to
// fetch; system fonts need nothing.
const OPTIONS = {
  disableSearch: true,
  downloadDefinitionUrl: '/openapi.json',
  theme: { typography: { fontFamily: 'system-ui, sans-serif', headings: { fontFamily: 'system-ui, sans-serif' }, code: { fontFamily: 'ui-monospace, monospace' } } },
};

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text).digest('base64')}`;
}

// Redoc's sidebar footer shows Redocly's logo from their CDN: the policy refuses it (img-src has no
// other origin, and a visitor's browser should call no third party), so it becomes an empty image.
const REDOCLY_LOGO = '"https://cdn.redoc.ly/redoc/logo-mini.svg"';
const NO_IMAGE = `"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"`;

/** Keeps `</script>` inside the inlined code from closing the element early. */
function inlineSafe(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

/** JSON as a script literal: `<` only occurs inside strings, where `\u003c` means the same. */
function jsonLiteral(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function buildReferencePage(spec: { info: { title: string } }): ReferencePage {
  const bundle = inlineSafe(readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8').replaceAll(REDOCLY_LOGO, NO_IMAGE));
  const playground = readPlayground();
  const playgroundScript = inlineSafe(playground.script);
  const init = `Redoc.init(JSON.parse(document.getElementById('openapi-document').text), ${jsonLiteral(OPTIONS)}, document.getElementById('reference'));`;
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${spec.info.title} reference</title>
<link rel="icon" href="data:,">
<style>body { margin: 0; padding: 0; }
${playground.css}</style>
</head>
<body>
<div id="reference"></div>
${playground.html}<script type="application/json" id="openapi-document">${jsonLiteral(spec)}</script>
<script>${bundle}</script>
<script>${playgroundScript}</script>
<script>${init}</script>
</body>
</html>
`;
  // Redoc.init's hash last: the e2e test drops the last hash to see a refused script reported.
  return { html, scriptHashes: [sha256(bundle), sha256(playgroundScript), sha256(init)] };
}
