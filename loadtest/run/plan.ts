// The generated plan (loadtest/generated/plan.json) and the weighted selection a run loads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadPlan, PlannedOperation } from '../../scripts/generate/loadtest/plan.ts';
import { SettingsError } from '../bench/settings.ts';

export type { LoadPlan, PlannedOperation };

export interface WeightedOperation {
  operation: PlannedOperation;
  weight: number;
}

export const PLAN_PATH = join(import.meta.dirname, '..', 'generated', 'plan.json');

export function readPlan(): LoadPlan {
  return JSON.parse(readFileSync(PLAN_PATH, 'utf8')) as LoadPlan;
}

/** The mix's operations and weights, or the named ones with their mix weight (1 if unweighted). */
export function selectOperations(plan: LoadPlan, names: string[] | undefined): WeightedOperation[] {
  const wanted = names ?? Object.keys(plan.mix);
  return wanted.map((name) => {
    const operation = plan.operations.find((o) => o.operation_id === name);
    if (operation === undefined) {
      const skipped = plan.skipped.find((s) => s.operation_id === name);
      throw new SettingsError(`OPERATIONS: ${name} ${skipped ? `is not loadable: ${skipped.reason}` : 'is not an operation of the plan'}`);
    }
    return { operation, weight: plan.mix[name] ?? 1 };
  });
}

/**
 * The order requests go out in: every operation as often as its weight, spread evenly (smooth
 * weighted round-robin), so any stretch of the run carries the mix and not a burst of one kind.
 */
export function interleave(selection: WeightedOperation[]): PlannedOperation[] {
  const total = selection.reduce((sum, s) => sum + s.weight, 0);
  const credit = selection.map(() => 0);
  const order: PlannedOperation[] = [];
  for (let step = 0; step < total; step++) {
    let best = 0;
    selection.forEach((s, i) => {
      credit[i]! += s.weight;
      if (credit[i]! > credit[best]!) best = i;
    });
    credit[best]! -= total;
    order.push(selection[best]!.operation);
  }
  return order;
}
