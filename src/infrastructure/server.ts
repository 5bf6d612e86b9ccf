import { createServer, OutgoingHttpHeader, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import Koa from 'koa';
import { rawRefusal } from '../adapters/http/problems';

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  stop(graceMs?: number): Promise<void>;
}

/** What a slow or hostile client may hold: tests shorten them. */
export interface ServerLimits {
  /** The request line and headers must have arrived within this long. */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must have arrived within this long. */
  readonly requestTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. */
  readonly maxConnections: number;
}

export const DEFAULT_LIMITS: ServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 1000 };

export async function listen(app: Koa, port: number, host: string, limits: Partial<ServerLimits> = {}): Promise<RunningServer> {
  const { headersTimeoutMs, requestTimeoutMs, maxConnections } = { ...DEFAULT_LIMITS, ...limits };
  // server.close() only closes connections idle at that moment; a keep-alive connection whose
  // request is still running would stay open after its reply. Replies whose headers go out while
  // stopping say "Connection: close", so each connection ends with its last request.
  let stopping = false;
  class Response extends ServerResponse {
    // Every reply passes here, explicit or implicit (end() without writeHead()). A flag read per
    // reply instead of a set of replies in flight: adding and deleting one per request makes V8
    // chain each superseded hash table to the next, and once one is promoted that chain holds every
    // reply since in the young generation until the next full GC (scavenges 0.8 -> 5.5 ms, -25 % req/s).
    override writeHead(statusCode: number, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
    override writeHead(statusCode: number, statusMessage?: string, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
    override writeHead(statusCode: number, message?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
      if (stopping) this.shouldKeepAlive = false;
      // Node takes headers in the second place when it is not a string, as the overloads say.
      return super.writeHead(statusCode, message as string | undefined, headers);
    }
  }
  // Node checks these timeouts only every connectionsCheckingInterval (30 s by default), which
  // would let a stalled request live up to twice its limit.
  const server = createServer({ connectionsCheckingInterval: Math.min(1000, headersTimeoutMs / 2), ServerResponse: Response }, app.callback());
  // Longer than the idle timeout of common load balancers, so they never reuse a socket we just closed.
  server.keepAliveTimeout = 65_000;
  // With the headers' limit above the whole request's (66 s against 30 s before), Node let a
  // stalled body stay open for 66 to 96 s; each limit does what it says only if headers ≤ request.
  server.headersTimeout = Math.min(headersTimeoutMs, requestTimeoutMs);
  server.requestTimeout = requestTimeoutMs;
  // Half-open connections cost a file descriptor and memory each; past the cap Node closes new ones at once.
  server.maxConnections = maxConnections;
  // What Node's parser refuses never reaches Koa; it still gets a JSON:API error, not an empty 400.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const replied = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (!socket.writable || replied || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.end(rawRefusal('request_timeout', `The request did not arrive within ${requestTimeoutMs / 1000} s.`));
    else if (error.code === 'HPE_HEADER_OVERFLOW') socket.end(rawRefusal('headers_too_large', 'The request headers are too large.'));
    else socket.end(rawRefusal('bad_request', 'The request is not well-formed HTTP/1.1 (its method, a header or its framing).'));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    stop: (graceMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        stopping = true;
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close((error) => {
          clearTimeout(force);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
