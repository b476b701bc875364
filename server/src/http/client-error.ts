// Requests Node refuses before Koa sees them get a problem from the catalog, like every other
// refusal, instead of Node's bare status with no body: a request line and headers past Node's limit
// (16 KiB) E1014, a body's chunk extensions past it E1004, anything else that is not valid HTTP
// E1016. A request that timed out keeps Node's bare 408: the client stopped sending, and may never
// read an answer.
import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, problemOf } from './problem.ts';

/** The catalogued refusal for a request Node could not parse; undefined keeps Node's own answer. */
function refusalOf(code: string | undefined): ApiError | undefined {
  if (code === 'HPE_HEADER_OVERFLOW') return new ApiError('E1014', `The request line and headers exceed ${maxHeaderSize} bytes.`);
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return undefined;
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return new ApiError('E1004', 'The chunk extensions of the body exceed the server\'s limit.');
  return new ApiError('E1016', 'The request is not valid HTTP/1.1.');
}

function problemResponse(refusal: ApiError): string {
  const requestId = randomUUID();
  const body = JSON.stringify(problemOf(refusal, requestId));
  return (
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** The response in flight on a connection, as Node's own handler checks it (lib/_http_server.js). */
type ServerSocket = Socket & { _httpMessage?: { headersSent: boolean } | null };

export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: ServerSocket) => {
    // A reset connection cannot be answered, nor one whose current response has begun (an earlier
    // response on a kept-alive connection is finished and does not count).
    if (!socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const refusal = refusalOf(error.code);
    socket.end(refusal ? problemResponse(refusal) : `HTTP/1.1 408 ${STATUS_CODES[408]}\r\nConnection: close\r\n\r\n`);
  });
}
