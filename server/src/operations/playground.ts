// The "Try it" panel of /docs (its markup, style and script), read once from the files beside this
// one. The script is plain browser JavaScript, type-checked by playground/tsconfig.json.
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
  return { html: read('panel.html'), css: read('panel.css'), script: read('playground.js') };
}
