// Writes the conformance vectors that every SDK's tests read. Run it after changing a rule in
// ../../../shared/SDK.md: `node sdks/conformance/generate-vectors.ts`. Inputs are fixed (secrets,
// timestamps, ids), so the output is stable and each HMAC is real and checkable by hand.
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HERE = import.meta.dirname;
const write = (name: string, value: unknown): void => writeFileSync(join(HERE, name), JSON.stringify(value, null, 2) + '\n');

// --- Webhooks (Standard Webhooks: HMAC-SHA256 over `${id}.${timestamp}.${payload}`) ---
const SECRET = 'whsec_' + Buffer.from('transmute-conformance-secret-one').toString('base64');
const OLD_SECRET = 'whsec_' + Buffer.from('transmute-conformance-secret-old').toString('base64');
const OTHER_SECRET = 'whsec_' + Buffer.from('someone-else-entirely-secret-xx').toString('base64');
const NOW = 1_790_000_000;
const ID = 'msg_2Qy0conformance';
const PAYLOAD = '{"id":"evt_01conformance","type":"job.completed","created_at":"2026-09-21T12:53:20Z","data":{"id":"job_01conformance","status":"succeeded"}}';

function sign(secret: string, id: string, timestamp: number, payload: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.${payload}`).digest('base64');
}
const headers = (timestamp: number, signature: string) => ({ 'webhook-id': ID, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature });
const good = sign(SECRET, ID, NOW, PAYLOAD);

write('webhooks.json', {
  tolerance_seconds: 300,
  vectors: [
    { name: 'valid signature', secrets: [SECRET], payload: PAYLOAD, headers: headers(NOW, good), now: NOW, valid: true },
    { name: 'valid at the edge of the tolerance (old)', secrets: [SECRET], payload: PAYLOAD, headers: headers(NOW - 300, sign(SECRET, ID, NOW - 300, PAYLOAD)), now: NOW, valid: true },
    { name: 'timestamp older than 5 minutes', secrets: [SECRET], payload: PAYLOAD, headers: headers(NOW - 301, sign(SECRET, ID, NOW - 301, PAYLOAD)), now: NOW, valid: false },
    { name: 'timestamp more than 5 minutes ahead', secrets: [SECRET], payload: PAYLOAD, headers: headers(NOW + 301, sign(SECRET, ID, NOW + 301, PAYLOAD)), now: NOW, valid: false },
    { name: 'wrong secret', secrets: [OTHER_SECRET], payload: PAYLOAD, headers: headers(NOW, good), now: NOW, valid: false },
    { name: 'tampered body', secrets: [SECRET], payload: PAYLOAD.replace('succeeded', 'failed'), headers: headers(NOW, good), now: NOW, valid: false },
    { name: 'tampered id', secrets: [SECRET], payload: PAYLOAD, headers: { ...headers(NOW, good), 'webhook-id': 'msg_other' }, now: NOW, valid: false },
    { name: 'rotation: the header carries old and new signatures, receiver knows the new secret', secrets: [SECRET], payload: PAYLOAD, headers: headers(NOW, `${sign(OLD_SECRET, ID, NOW, PAYLOAD)} ${good}`), now: NOW, valid: true },
    { name: 'rotation: receiver knows both secrets, header signed with the old one only', secrets: [SECRET, OLD_SECRET], payload: PAYLOAD, headers: headers(NOW, sign(OLD_SECRET, ID, NOW, PAYLOAD)), now: NOW, valid: true },
    { name: 'unknown signature version only', secrets: [SECRET], payload: PAYLOAD, headers: headers(NOW, good.replace(/^v1,/, 'v2,')), now: NOW, valid: false },
    { name: 'missing signature header', secrets: [SECRET], payload: PAYLOAD, headers: { 'webhook-id': ID, 'webhook-timestamp': String(NOW) }, now: NOW, valid: false },
    { name: 'timestamp not a number', secrets: [SECRET], payload: PAYLOAD, headers: headers(NOW, good), now: NOW, valid: false, override_timestamp: 'soon' },
  ].map(({ override_timestamp, ...v }) => (override_timestamp ? { ...v, headers: { ...v.headers, 'webhook-timestamp': override_timestamp } } : v)),
});

// --- Retries: the decision for one response (or a connection error), and the wait before retry `attempt` ---
// Delay without a server hint: min(0.5 s × 2^attempt, 8 s) × [0.75, 1.0] (attempt 0 = the first retry).
const backoff = (attempt: number) => {
  const base = Math.min(500 * 2 ** attempt, 8000);
  return { min_ms: base * 0.75, max_ms: base };
};
const NOW_DATE = 'Mon, 21 Sep 2026 12:53:20 GMT';
const plus = (s: number) => new Date(Date.parse(NOW_DATE) + s * 1000).toUTCString();
type RetryVector = { name: string; status: number | null; error?: 'connection' | 'timeout'; headers?: Record<string, string>; attempt?: number; retry: boolean; delay?: { min_ms: number; max_ms: number } };
const retries: RetryVector[] = [
  { name: 'connection error', status: null, error: 'connection', retry: true, delay: backoff(0) },
  { name: 'timeout of one attempt', status: null, error: 'timeout', retry: true, delay: backoff(0) },
  { name: '408 request timeout', status: 408, retry: true, delay: backoff(0) },
  { name: '409 conflict (idempotent request in flight)', status: 409, retry: true, delay: backoff(0) },
  { name: '429 without hints', status: 429, retry: true, delay: backoff(0) },
  { name: '500', status: 500, retry: true, delay: backoff(0) },
  { name: '503', status: 503, retry: true, delay: backoff(0) },
  { name: '400 is never retried', status: 400, retry: false },
  { name: '404 is never retried', status: 404, retry: false },
  { name: '422 is never retried', status: 422, retry: false },
  { name: '200 is not retried', status: 200, retry: false },
  { name: 'x-should-retry: true overrides a 400', status: 400, headers: { 'x-should-retry': 'true' }, retry: true, delay: backoff(0) },
  { name: 'x-should-retry: false overrides a 503', status: 503, headers: { 'x-should-retry': 'false' }, retry: false },
  { name: 'second retry doubles the delay', status: 500, attempt: 1, retry: true, delay: backoff(1) },
  { name: 'fifth retry is capped at 8 s', status: 500, attempt: 5, retry: true, delay: backoff(5) },
  { name: 'Retry-After seconds honoured', status: 503, headers: { 'retry-after': '3' }, retry: true, delay: { min_ms: 3000, max_ms: 3000 } },
  { name: 'Retry-After 60 s honoured', status: 429, headers: { 'retry-after': '60' }, retry: true, delay: { min_ms: 60000, max_ms: 60000 } },
  { name: 'Retry-After over 60 s falls back', status: 429, headers: { 'retry-after': '61' }, retry: true, delay: backoff(0) },
  { name: 'Retry-After HTTP date honoured', status: 503, headers: { 'retry-after': plus(10) }, retry: true, delay: { min_ms: 10000, max_ms: 10000 } },
  { name: 'Retry-After HTTP date over 60 s falls back', status: 503, headers: { 'retry-after': plus(120) }, retry: true, delay: backoff(0) },
  { name: 'Retry-After garbage falls back', status: 503, headers: { 'retry-after': 'later' }, retry: true, delay: backoff(0) },
  { name: 'retry-after-ms wins over Retry-After', status: 429, headers: { 'retry-after-ms': '1500', 'retry-after': '9' }, retry: true, delay: { min_ms: 1500, max_ms: 1500 } },
  { name: 'RateLimit reset honoured on 429', status: 429, headers: { ratelimit: '"plan";r=0;t=7' }, retry: true, delay: { min_ms: 7000, max_ms: 7000 } },
  { name: 'RateLimit reset over 60 s falls back', status: 429, headers: { ratelimit: '"plan";r=0;t=3600' }, retry: true, delay: backoff(0) },
  { name: 'RateLimit reset ignored when not 429', status: 503, headers: { ratelimit: '"plan";r=0;t=7' }, retry: true, delay: backoff(0) },
];
write('retries.json', { now: NOW_DATE, max_retries_default: 2, vectors: retries.map((v) => ({ attempt: 0, headers: {}, ...v })) });

// --- Pagination: the pages a server returns and what a client must see ---
write('pagination.json', {
  vectors: [
    {
      name: 'three pages',
      pages: [
        { request_cursor: null, body: { data: [{ id: 'a' }, { id: 'b' }], next_cursor: 'c1' } },
        { request_cursor: 'c1', body: { data: [{ id: 'c' }, { id: 'd' }], next_cursor: 'c2' } },
        { request_cursor: 'c2', body: { data: [{ id: 'e' }], next_cursor: null } },
      ],
      items: ['a', 'b', 'c', 'd', 'e'],
    },
    { name: 'one empty page', pages: [{ request_cursor: null, body: { data: [], next_cursor: null } }], items: [] },
    {
      name: 'empty page with a cursor still follows it',
      pages: [
        { request_cursor: null, body: { data: [], next_cursor: 'c1' } },
        { request_cursor: 'c1', body: { data: [{ id: 'a' }], next_cursor: null } },
      ],
      items: ['a'],
    },
    {
      name: 'unknown fields on page and items are kept',
      pages: [{ request_cursor: null, body: { data: [{ id: 'a', added_later: 1 }], next_cursor: null, total_estimate: 1 } }],
      items: ['a'],
    },
  ],
});

// --- Errors: a response and the error class it must become ---
const problem = (status: number, code: string, title: string, extra: Record<string, unknown> = {}) => ({
  type: `https://docs.transmute.dev/errors/${code}`, title, status, detail: `${title} (conformance)`, instance: '/v1/jobs', code, request_id: 'req_conformance', ...extra,
});
const errorCase = (status: number, cls: string, code: string, title: string, extra: Record<string, unknown> = {}) => ({
  name: `${status} → ${cls}`, status, headers: { 'content-type': 'application/problem+json', 'x-request-id': 'req_conformance' }, body: problem(status, code, title, extra),
  expect: { class: cls, status, code, title, detail: `${title} (conformance)`, request_id: 'req_conformance', errors: (extra.errors as unknown[] | undefined) ?? [] },
});
write('errors.json', {
  hierarchy: { TransmuteError: null, APIError: 'TransmuteError', APIStatusError: 'APIError', APIConnectionError: 'APIError', APITimeoutError: 'APIConnectionError', BadRequestError: 'APIStatusError', AuthenticationError: 'APIStatusError', PermissionDeniedError: 'APIStatusError', NotFoundError: 'APIStatusError', ConflictError: 'APIStatusError', UnprocessableEntityError: 'APIStatusError', RateLimitError: 'APIStatusError', InternalServerError: 'APIStatusError' },
  vectors: [
    errorCase(400, 'BadRequestError', 'E1001', 'Invalid request', { errors: [{ path: '/limit', message: 'must be <= 100' }] }),
    errorCase(401, 'AuthenticationError', 'E1101', 'Authentication required'),
    errorCase(403, 'PermissionDeniedError', 'E1103', 'Missing scope'),
    errorCase(404, 'NotFoundError', 'E1201', 'Not found'),
    errorCase(409, 'ConflictError', 'E1009', 'Request in flight'),
    errorCase(410, 'APIStatusError', 'E1210', 'Gone'),
    errorCase(413, 'APIStatusError', 'E1004', 'Payload too large'),
    errorCase(422, 'UnprocessableEntityError', 'E1002', 'Unprocessable', { errors: [{ path: '/input', message: 'not valid CSV' }] }),
    errorCase(429, 'RateLimitError', 'E1301', 'Rate limit exceeded'),
    errorCase(500, 'InternalServerError', 'E1500', 'Internal error'),
    errorCase(503, 'InternalServerError', 'E1503', 'Unavailable'),
    {
      name: 'non-JSON 502 body → InternalServerError with the text kept', status: 502, headers: { 'content-type': 'text/html', 'x-request-id': 'req_proxy' }, body: '<html>Bad gateway</html>',
      expect: { class: 'InternalServerError', status: 502, code: null, title: null, detail: null, request_id: 'req_proxy', errors: [] },
    },
  ],
});
