// /docs: swagger-ui with this server's own spec, as one page that loads nothing from elsewhere.
// Built once, on first request, from the swagger-ui-dist package on disk.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ReferencePage {
  html: string;
  /** CSP source expressions (`sha256-…`) for the page's inline scripts. */
  scriptHashes: string[];
}

const require = createRequire(import.meta.url);

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text).digest('base64')}`;
}

/** Keeps `</script>` inside the inlined code from closing the element early. */
function inlineSafe(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

export function buildReferencePage(spec: { info: { title: string } }): ReferencePage {
  const dist = dirname(require.resolve('swagger-ui-dist/package.json'));
  const css = readFileSync(join(dist, 'swagger-ui.css'), 'utf8');
  const bundle = inlineSafe(readFileSync(join(dist, 'swagger-ui-bundle.js'), 'utf8'));
  const init = inlineSafe(
    `window.ui = SwaggerUIBundle({ spec: ${JSON.stringify(spec)}, dom_id: '#reference', deepLinking: true, ` +
      `presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout', tryItOutEnabled: false });`,
  );
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${spec.info.title} reference</title>
<style>${css}</style>
</head>
<body>
<div id="reference"></div>
<script>${bundle}</script>
<script>${init}</script>
</body>
</html>
`;
  return { html, scriptHashes: [sha256(bundle), sha256(init)] };
}
