import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import Koa from 'koa';

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  stop(graceMs?: number): Promise<void>;
}

export async function listen(app: Koa, port: number, host: string): Promise<RunningServer> {
  const server = createServer(app.callback());
  // Longer than the idle timeout of common load balancers, so they never reuse a socket we just closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;

  // server.close() only closes connections idle at that moment; a keep-alive connection whose
  // request is still running would stay open after its reply. Replies sent while stopping say
  // "Connection: close", so each connection ends with its last request.
  let stopping = false;
  const unanswered = new Set<ServerResponse>();
  const closeAfterReply = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  server.on('request', (_req, res: ServerResponse) => {
    if (stopping) closeAfterReply(res);
    unanswered.add(res);
    res.once('close', () => unanswered.delete(res));
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
        unanswered.forEach(closeAfterReply);
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
