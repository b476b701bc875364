// A conversion whose body is still arriving: the server holds it in flight (and its latency runs)
// until the client sends the rest or gives up, as a slow client or network would.
import { once } from 'node:events';
import { request as httpRequest, type ClientRequest } from 'node:http';

export interface SlowUpload {
  req: ClientRequest;
  /** The answer's status, once the rest was sent (or the server answered early). */
  status: Promise<number>;
  /** Sends the rest of the body. */
  finish(): void;
}

export function slowConversion(url: string, key: string, request: object): SlowUpload {
  const body = JSON.stringify(request);
  const req = httpRequest(`${url}/v1/conversions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-API-Key': key },
  });
  const status = once(req, 'response').then(([res]) => {
    res.resume();
    return res.statusCode as number;
  });
  req.write(body.slice(0, 10));
  return { req, status, finish: () => req.end(body.slice(10)) };
}
