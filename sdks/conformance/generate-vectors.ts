// Writes the conformance vectors that every SDK's tests read. Run it after changing a rule in
// ../../../shared/SDK.md: `node sdks/conformance/generate-vectors.ts`. Inputs are fixed (secrets,
// timestamps, ids), so the output is stable and each HMAC is real and checkable by hand.
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HERE = import.meta.dirname;
// Arrays of numbers (the SSE cut offsets) stay on one line each.
const write = (name: string, value: unknown): void =>
  writeFileSync(join(HERE, name), JSON.stringify(value, null, 2).replace(/\[[\d,\s]+\]/g, (numbers) => JSON.stringify(JSON.parse(numbers))) + '\n');

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

// --- Server-Sent Events: a byte stream, cut into chunks, and the events a reader must yield ---
// WHATWG HTML §9.2.6 (interpreting an event stream), on bytes decoded as UTF-8. Each case is
// replayed whole, cut where its chunks below end (the cut that case is about), and one byte a chunk.
type SseEvent = { id: string | null; event: string; data: string };
const message = (data: string, id: string | null = null): SseEvent => ({ id, event: 'message', data });
const named = (event: string, data: string, id: string | null = null): SseEvent => ({ id, event, data });
// A chunk's bytes: strings as UTF-8, numbers as single octets (for bytes that are not UTF-8 alone).
const raw = (...parts: (string | number)[]): Buffer => Buffer.concat(parts.map((part) => (typeof part === 'number' ? Buffer.of(part) : Buffer.from(part))));
const sse: { name: string; chunks: (string | Buffer)[]; events: SseEvent[] }[] = [
  { name: 'LF line ends; an unnamed event is `message` with no id', chunks: ['data: a\n\n'], events: [message('a')] },
  { name: 'CRLF line ends, cut between a CR and its LF', chunks: ['event: a\r\ndata: 1\r', '\n\r', '\n'], events: [named('a', '1')] },
  { name: 'CR line ends', chunks: ['event: b\rdata: 2\r\r'], events: [named('b', '2')] },
  { name: 'mixed line ends in one stream', chunks: ['data: a\r\ndata: b\rdata: c\n\r\n'], events: [message('a\nb\nc')] },
  { name: 'a CRLF, then an LF alone in its chunk is a blank line', chunks: ['data: a\r', '\n', '\n', 'data: b\r', '\n', '\r', '\n'], events: [message('a'), message('b')] },
  { name: 'a CR at the very end still ends its line', chunks: ['data: last\r', '\r'], events: [message('last')] },
  { name: 'data lines joined with LF, an empty one kept', chunks: ['data: one\ndata:two\ndata\ndata: \ndata:end\n\n'], events: [message('one\ntwo\n\n\nend')] },
  { name: 'only one space after the colon is removed', chunks: ['data:  two spaces\ndata:\ttab\ndata:x \n\n'], events: [message(' two spaces\n\ttab\nx ')] },
  { name: 'colons after the first belong to the value', chunks: ['event: a:b\ndata: c: d:e\n\n'], events: [named('a:b', 'c: d:e')] },
  { name: 'a lone `data` line dispatches an empty event', chunks: ['data\n\n'], events: [message('')] },
  { name: 'blank lines and comments alone dispatch nothing', chunks: ['\n\n\n:\n\n: keep-alive\n\n'], events: [] },
  { name: 'comments inside an event are ignored', chunks: [': open\ndata: a\n: between\ndata: b\n:\n\n'], events: [message('a\nb')] },
  {
    name: 'retry and unknown fields are ignored; field names are case-sensitive and exact',
    chunks: ['retry: 3000\n\nfoo: bar\nData: no\nDATA: no\n data: no\ndata : no\nretry: 10\nevent: x\ndata: y\n\n'],
    events: [named('x', 'y')],
  },
  { name: 'an unknown event name is kept', chunks: ['event: added-later\ndata: 1\n\n'], events: [named('added-later', '1')] },
  { name: 'an empty event name means `message`', chunks: ['event:\ndata: a\n\n'], events: [message('a')] },
  { name: 'the event name is reset after each event', chunks: ['event: a\ndata: 1\n\ndata: 2\n\n'], events: [named('a', '1'), message('2')] },
  { name: 'an event name without data does not leak into the next event', chunks: ['event: lonely\n\ndata: y\n\n'], events: [message('y')] },
  { name: 'the id carries over to later events', chunks: ['id: 1\ndata: a\n\ndata: b\n\n'], events: [message('a', '1'), message('b', '1')] },
  { name: 'an id after the data still belongs to this event', chunks: ['data: a\nid: 3\n\n'], events: [message('a', '3')] },
  { name: 'an id in a block without data is kept for later events', chunks: ['id: 5\n\ndata: a\n\n'], events: [message('a', '5')] },
  {
    name: 'an empty id clears it (`id:`, `id: ` and a lone `id`)',
    chunks: ['id: 1\ndata: a\n\nid:\ndata: b\n\nid: 2\ndata: c\n\nid: \ndata: d\n\nid: 3\ndata: e\n\nid\ndata: f\n\n'],
    events: [message('a', '1'), message('b'), message('c', '2'), message('d'), message('e', '3'), message('f')],
  },
  { name: 'an id containing NUL is ignored', chunks: ['id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n'], events: [message('a', '1'), message('b', '1')] },
  { name: 'NUL in data is kept', chunks: ['data: a\0b\n\n'], events: [message('a\0b')] },
  { name: 'a final event without its blank line is dropped (LF)', chunks: ['data: a\n\ndata: b\n'], events: [message('a')] },
  { name: 'a final event without its blank line is dropped (no line end)', chunks: ['data: a\n\nid: 9\ndata: b'], events: [message('a')] },
  { name: 'a leading BOM is skipped, cut inside it', chunks: [raw(0xef), raw(0xbb, 0xbf), 'data: a\n\n'], events: [message('a')] },
  { name: 'only one leading BOM is skipped: a second starts the field name', chunks: ['\ufeff\ufeffdata: a\n\ndata: b\n\n'], events: [message('b')] },
  { name: 'a BOM after the start is data', chunks: ['data: \ufeffa\n\n'], events: [message('\ufeffa')] },
  {
    name: 'multi-byte UTF-8 cut inside characters',
    chunks: [raw('data: h', 0xc3), raw(0xa9, 'llo ', 0xe2, 0x82), raw(0xac, ' ', 0xf0, 0x9f), raw(0x98, 0x80, '\n\n')],
    events: [message('héllo € 😀')],
  },
  // The WHATWG UTF-8 decoder replaces each maximal invalid subsequence with one U+FFFD.
  { name: 'invalid UTF-8 becomes U+FFFD', chunks: [raw('data: a', 0xff, 'b', 0xe2, 0x82, 'c', 0xed, 0xa0, 0x80, '\nid: ', 0xf0, 0x9f, 0x98, '\n\n')], events: [message('a\ufffdb\ufffdc\ufffd\ufffd\ufffd', '\ufffd')] },
];
write('sse.json', {
  vectors: sse.map(({ name, chunks, events }) => {
    const parts = chunks.map((chunk) => Buffer.from(chunk));
    const stream = Buffer.concat(parts);
    let end = 0;
    const own = parts.slice(0, -1).map((part) => (end += part.length));
    const everyByte = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    return { name, stream: stream.toString('utf8'), bytes: stream.toString('base64'), cuts: [[], ...(own.length > 0 ? [own] : []), everyByte], events };
  }),
});

// --- Jobs: create-and-wait's polling, replayed against a fake transport ---
// A pause is the gap before a poll, measured between the arrivals of two requests: never shorter
// than the wait, and at most WAIT_SLACK_MS longer on a loaded machine. Each run is built so that a
// wrong rule (a hint ignored, read from the wrong header, or the schedule not growing) lands
// outside its bounds.
const WAIT_SLACK_MS = 1000;
const pause = (ms: number) => ({ min_ms: ms, max_ms: ms + WAIT_SLACK_MS });
type JobAnswer = { status: 'queued' | 'running' | 'succeeded'; headers?: Record<string, string> };
type WaitRun = {
  name: string;
  poll_interval_ms: number;
  deadline_ms?: number;
  create: JobAnswer;
  polls: JobAnswer[];
  cancel_at_poll?: number;
  expect: { outcome: 'succeeded' | 'timeout' | 'canceled'; polls?: number; pauses?: { min_ms: number; max_ms: number }[]; elapsed?: { min_ms: number; max_ms: number } };
};
const queued: JobAnswer = { status: 'queued' };
const running: JobAnswer = { status: 'running' };
const succeeded: JobAnswer = { status: 'succeeded' };
const waitRuns: WaitRun[] = [
  {
    name: 'polls with an interval growing x1.5 until the job is final',
    poll_interval_ms: 40,
    create: queued,
    polls: [running, running, running, succeeded],
    expect: { outcome: 'succeeded', polls: 4, pauses: [40, 60, 90, 135].map(pause) },
  },
  {
    name: 'retry-after-ms on the created job and on a poll sets the next pause',
    poll_interval_ms: 3000,
    create: { status: 'queued', headers: { 'retry-after-ms': '50' } },
    polls: [{ status: 'running', headers: { 'retry-after-ms': '80' } }, succeeded],
    expect: { outcome: 'succeeded', polls: 2, pauses: [pause(50), pause(80)] },
  },
  {
    name: 'Retry-After in seconds sets the next pause',
    poll_interval_ms: 5000,
    create: { status: 'queued', headers: { 'retry-after': '1' } },
    polls: [succeeded],
    expect: { outcome: 'succeeded', polls: 1, pauses: [pause(1000)] },
  },
  {
    name: 'retry-after-ms wins over Retry-After',
    poll_interval_ms: 5000,
    create: { status: 'queued', headers: { 'retry-after-ms': '30', 'retry-after': '3' } },
    polls: [succeeded],
    expect: { outcome: 'succeeded', polls: 1, pauses: [pause(30)] },
  },
  {
    name: 'a hint over 60 s is ignored: the schedule decides',
    poll_interval_ms: 1200,
    create: { status: 'queued', headers: { 'retry-after': '120' } },
    polls: [succeeded],
    expect: { outcome: 'succeeded', polls: 1, pauses: [pause(1200)] },
  },
  {
    name: 'the deadline ends the wait with the timeout error',
    poll_interval_ms: 20,
    deadline_ms: 250,
    create: queued,
    polls: [running],
    expect: { outcome: 'timeout', elapsed: pause(250) },
  },
  {
    name: 'cancelling stops the polling',
    poll_interval_ms: 20,
    create: queued,
    polls: [running],
    cancel_at_poll: 2,
    expect: { outcome: 'canceled', polls: 2 },
  },
];
write('jobs-wait.json', {
  first_poll_ms: 500,
  growth: 1.5,
  max_poll_ms: 5000,
  default_deadline_ms: 600_000,
  max_hint_ms: 60_000,
  runs: waitRuns.map(({ create, polls, ...run }) => ({
    ...run,
    create: { headers: {}, ...create },
    polls: polls.map((answer) => ({ headers: {}, ...answer })),
  })),
});

// --- Logging: which request headers debug logging redacts, and how ---
write('logging.json', {
  replacement: '[redacted]',
  headers: {
    Authorization: 'Bearer tk_conformance_secret',
    'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0',
    'X-Api-Key': 'tk_conformance_other',
    Cookie: 'transmute_oidc=conformance-cookie',
    'Set-Cookie': 'session=conformance-set-cookie',
    Accept: 'application/json',
    'X-Conformance': 'kept-as-is',
  },
  redacted: ['authorization', 'proxy-authorization', 'x-api-key', 'cookie', 'set-cookie'],
});
