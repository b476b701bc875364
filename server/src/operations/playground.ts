// The "Try it" panel of /docs (its markup, style and script), read once from the files beside this
// one. The script files are plain browser JavaScript, type-checked together by
// playground/tsconfig.json; they run in one function so that nothing of theirs becomes a global.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Playground {
  html: string;
  css: string;
  script: string;
}

const DIR = join(import.meta.dirname, 'playground');

export function readPlayground(): Playground {
  const read = (name: string) => readFileSync(join(DIR, name), 'utf8');
  return { html: read('panel.html'), css: read('panel.css'), script: `(() => {\n${read('resources.js')}\n${read('playground.js')}\n})();\n` };
}
