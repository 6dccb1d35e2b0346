import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../../observability/logger';

/** Node's parser errors and the answer each gets; anything else is a malformed request. */
const STATUS: Readonly<Record<string, readonly [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Content Too Large'],
};
const BAD_REQUEST = [400, 'Bad Request'] as const;

const TEXT: Readonly<Record<number, string>> = {
  400: 'The request is not valid HTTP.',
  408: 'The request took too long to arrive.',
  413: 'The request body is too large.',
  431: 'The request headers are too large.',
};

/**
 * Answers a request Node could not parse (bad header characters such as a bare CR or LF, headers too
 * large, a request too slow) with an OperationOutcome and closes the connection. Nothing of the
 * request is echoed or logged: only the parser's error code.
 */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason] = STATUS[error.code ?? ''] ?? BAD_REQUEST;
    logger.info({ code: error.code ?? 'unknown', status }, 'client error');
    const body = JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', details: { text: TEXT[status] } }],
    });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/fhir+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
