// A scripted fetch: each call takes the next step (a Response to return, or an error to throw) and
// records what the SDK sent, so a test can check the wire without a server.
import { readFileSync } from 'node:fs';

export interface SentRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: string | undefined;
  redirect: RequestInit['redirect'];
}

export type Step = Response | Error | ((request: SentRequest, signal: AbortSignal | undefined) => Promise<Response>);

export function fakeFetch(steps: Step[]): { fetch: typeof fetch; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request: SentRequest = { url: new URL(String(input)), method: init.method ?? 'GET', headers: new Headers(init.headers), body: init.body as string | undefined, redirect: init.redirect };
    sent.push(request);
    const step = steps.shift();
    if (step === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`);
    if (step instanceof Error) throw step;
    if (typeof step === 'function') return step(request, init.signal ?? undefined);
    return step;
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
}

/** A fetch step that never answers and fails only when its signal aborts, as a stalled server would. */
export function hang(): Step {
  return (_request, signal) =>
    new Promise((_, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
}

export function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../conformance/${name}`, import.meta.url), 'utf8')) as T;
}
