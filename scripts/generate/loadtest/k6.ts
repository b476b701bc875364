// k6 scripts in TypeScript from the load plan, for anyone who has k6 (it is not installed here;
// CI type-checks them with @types/k6). The request logic is hand-written in loadtest/k6/run.ts;
// what comes from the spec (requests, objectives, weights) is written out here as literals.
import type { LoadPlan, PlannedOperation } from './plan.ts';

export interface K6File {
  /** File name inside loadtest/generated/k6/. */
  name: string;
  content: string;
}

/** The objectives of one operation as k6 thresholds on its tag; a breach stops the run. */
function thresholds(operations: PlannedOperation[]): string {
  // Percentiles over the first seconds are noise; judge them once the rate has settled.
  const abort = `abortOnFail: true, delayAbortEval: '10s'`;
  return operations
    .flatMap(({ operation_id: id, sla }) => [
      `    'http_req_duration{operation:${id}}': [{ threshold: 'p(95)<${sla.p95_ms}', ${abort} }, { threshold: 'p(99)<${sla.p99_ms}', ${abort} }],`,
      `    'http_req_failed{operation:${id}}': [{ threshold: 'rate<${sla.max_error_rate}', ${abort} }],`,
    ])
    .join('\n');
}

function planModule(plan: LoadPlan): string {
  return `export type Auth = 'key' | 'user' | 'none';

export interface PlannedOperation {
  readonly operation_id: string;
  readonly tag: string;
  readonly method: string;
  readonly path: string;
  readonly auth: Auth;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  readonly expected_status: number;
  readonly sla: { readonly p95_ms: number; readonly p99_ms: number; readonly max_error_rate: number };
}

export const operations: readonly PlannedOperation[] = ${JSON.stringify(plan.operations, null, 2)};

/** Relative weights of the mixed scenario, from loadtest/mix.yaml. */
export const mix: Readonly<Record<string, number>> = ${JSON.stringify(plan.mix, null, 2)};

export function operation(id: string | undefined): PlannedOperation {
  const found = operations.find((o) => o.operation_id === id);
  if (found === undefined) throw new Error(\`no planned operation \${String(id)}\`);
  return found;
}
`;
}

function perOperationScript(plan: LoadPlan): string {
  const scenarios = plan.operations
    .map(
      ({ operation_id: id }, index) =>
        `    ${id}: { executor: 'constant-arrival-rate', rate: settings.rate, timeUnit: '1s', duration: \`\${settings.durationS}s\`, startTime: \`\${${index} * (settings.durationS + PAUSE_S)}s\`, ...virtualUsers(settings.rate), env: { OPERATION: '${id}' } },`,
    )
    .join('\n');
  return `// Each operation alone at RATE requests per second for DURATION seconds, one after the other,
// so a slow operation cannot hide behind a fast one.
import type { Options } from 'k6/options';
import { send, settings, virtualUsers } from '../../k6/run.ts';
import { operation } from './plan.ts';

/** Between two operations, so one's queue has drained before the next starts. */
const PAUSE_S = 2;

export const options: Options = {
  scenarios: {
${scenarios}
  },
  thresholds: {
${thresholds(plan.operations)}
  },
};

export default function (): void {
  send(operation(__ENV.OPERATION));
}
`;
}

function mixedScript(plan: LoadPlan): string {
  const mixed = plan.operations.filter((o) => o.operation_id in plan.mix);
  return `// The mixed scenario: RATE requests per second for DURATION seconds, each drawn from the plan in
// proportion to the weights in loadtest/mix.yaml.
import type { Options } from 'k6/options';
import { pick, send, settings, virtualUsers } from '../../k6/run.ts';
import { mix, operations } from './plan.ts';

export const options: Options = {
  scenarios: {
    mixed: { executor: 'constant-arrival-rate', rate: settings.rate, timeUnit: '1s', duration: \`\${settings.durationS}s\`, ...virtualUsers(settings.rate) },
  },
  thresholds: {
${thresholds(mixed)}
  },
};

export default function (): void {
  send(pick(operations, mix));
}
`;
}

export function generateK6(plan: LoadPlan): K6File[] {
  return [
    { name: 'plan.ts', content: planModule(plan) },
    { name: 'per-operation.ts', content: perOperationScript(plan) },
    { name: 'mixed.ts', content: mixedScript(plan) },
  ];
}
