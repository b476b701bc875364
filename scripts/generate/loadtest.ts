// loadtest/generated/: the load plan (plan.json, run here by vegeta through loadtest/run.ts) and
// the same plan as k6 scripts. Paths are relative to the repository.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../lib/spec.ts';
import type { GeneratedFile } from './grafana.ts';
import { generateK6 } from './loadtest/k6.ts';
import { buildLoadPlan } from './loadtest/plan.ts';

type Json = Record<string, any>;

/** Hand-written beside the generated files: the weights of the mixed scenario. */
export const MIX_PATH = join(ROOT, 'loadtest', 'mix.yaml');

export function generateLoadtest(spec: Json): GeneratedFile[] {
  const mix = (parse(readFileSync(MIX_PATH, 'utf8')) ?? {}) as Record<string, number>;
  const plan = buildLoadPlan(spec, mix);
  return [
    { path: 'loadtest/generated/plan.json', content: JSON.stringify(plan, null, 2) + '\n' },
    ...generateK6(plan).map((file) => ({ path: `loadtest/generated/k6/${file.name}`, content: file.content })),
  ];
}
