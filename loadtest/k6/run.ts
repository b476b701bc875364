// What every generated k6 script shares: settings from the environment, credentials, and one
// request of the plan, tagged with its operation so the thresholds can hold per operation.
//   BASE_URL (http://127.0.0.1:3000)  API_KEY  USER_TOKEN  RATE per second (100)  DURATION seconds (30)
// USER_TOKEN is an access token: it expires after at most 15 minutes, so keep runs shorter.
import { check } from 'k6';
import http from 'k6/http';
import type { Auth, PlannedOperation } from '../generated/k6/plan.ts';

export const settings = {
  baseUrl: __ENV.BASE_URL ?? 'http://127.0.0.1:3000',
  rate: positiveNumber('RATE', 100),
  durationS: positiveNumber('DURATION', 30),
};

/** Enough virtual users that a constant arrival rate is never held back by a slow response. */
export function virtualUsers(rate: number): { preAllocatedVUs: number; maxVUs: number } {
  return { preAllocatedVUs: Math.max(10, Math.ceil(rate / 10)), maxVUs: Math.max(100, rate * 2) };
}

function positiveNumber(name: string, fallback: number): number {
  const text = __ENV[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got "${text}"`);
  return value;
}

function credentials(auth: Auth): Record<string, string> {
  if (auth === 'none') return {};
  const [variable, header, prefix] = auth === 'key' ? ['API_KEY', 'x-api-key', ''] : ['USER_TOKEN', 'authorization', 'Bearer '];
  const value = __ENV[variable];
  if (value === undefined || value === '') throw new Error(`${variable} must be set: the plan calls operations that need it`);
  return { [header]: `${prefix}${value}` };
}

export function send(operation: PlannedOperation): void {
  const { operation_id: id, expected_status: expected } = operation;
  const response = http.request(operation.method, `${settings.baseUrl}${operation.path}`, operation.body, {
    headers: { ...operation.headers, ...credentials(operation.auth) },
    tags: { operation: id },
    // http_req_failed then counts anything but the spec's success status as an error.
    responseCallback: http.expectedStatuses(expected),
  });
  check(response, { [`${id} answers ${expected}`]: (r) => r.status === expected }, { operation: id });
}

/** One operation drawn at random, in proportion to its weight. */
export function pick(operations: readonly PlannedOperation[], weights: Readonly<Record<string, number>>): PlannedOperation {
  const weighted = operations.filter((o) => (weights[o.operation_id] ?? 0) > 0);
  const total = weighted.reduce((sum, o) => sum + (weights[o.operation_id] ?? 0), 0);
  let draw = Math.random() * total;
  for (const operation of weighted) {
    draw -= weights[operation.operation_id] ?? 0;
    if (draw < 0) return operation;
  }
  return weighted[weighted.length - 1]!;
}
