// Requests Node refuses before Koa sees them. A request line and headers past Node's limit (16 KiB)
// get the catalog's E1014 as a problem, like every other refusal, instead of Node's bare 431 with
// no body; the other parse failures keep Node's own answers.
import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, problemOf } from './problem.ts';

/** Node's own status for a request it could not parse (lib/_http_server.js). */
function nodeStatus(code: string | undefined): number {
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 413;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

function headersTooLarge(): string {
  const requestId = randomUUID();
  const body = JSON.stringify(problemOf(new ApiError('E1014', `The request line and headers exceed ${maxHeaderSize} bytes.`), requestId));
  return (
    `HTTP/1.1 431 ${STATUS_CODES[431]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
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
    const status = nodeStatus(error.code);
    socket.end(error.code === 'HPE_HEADER_OVERFLOW' ? headersTooLarge() : `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
  });
}
