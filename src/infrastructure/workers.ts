import cluster, { Worker } from 'node:cluster';
import { Logger } from 'pino';

/**
 * WORKERS > 1: this process forks that many copies of the server, which share its port
 * (node:cluster hands each new connection to a worker in turn) and the one store they all open.
 * It serves nothing itself. A worker that dies after it was listening is replaced; one that dies
 * before it ever listened means the service cannot start (a bad SQLite path, an unreachable
 * MongoDB), so the others are stopped and the process exits 1 rather than restarting in a loop.
 * SIGTERM and SIGINT are passed to every worker, which finishes its in-flight requests; this
 * process exits once they all have, 0 if every one exited 0.
 */
export function superviseWorkers(count: number, logger: Logger, exit: (code: number) => void): void {
  let stopping = false;
  let exitCode = 0;
  // Each worker accepts connections from the shared socket itself. In node:cluster's default
  // round-robin mode this process accepts them and hands each to a worker; a connection handed
  // to a worker at the moment it dies stays open here, unanswered, until the client gives up.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // Tracked here: cluster.workers may still hold a worker after its 'exit', until its IPC channel closes.
  const alive = new Set<Worker>();
  const listening = new WeakSet<Worker>();

  const start = () => {
    const worker = cluster.fork();
    alive.add(worker);
    worker.once('listening', () => {
      listening.add(worker);
      logger.info({ worker: worker.id, pid: worker.process.pid }, 'worker listening');
      if (!stopping && [...alive].filter((w) => listening.has(w)).length === count) {
        logger.info({ workers: count }, 'all workers listening');
      }
    });
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: alive.size }, 'shutting down: stopping every worker');
    for (const worker of alive) worker.process.kill('SIGTERM');
  };

  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker);
    const died = { worker: worker.id, pid: worker.process.pid, code, signal };
    if (stopping) {
      if (code !== 0) exitCode = 1;
    } else if (listening.has(worker)) {
      // Requests on its connections fail; committed numbers stay committed, so nothing is handed
      // out twice, and the replacement opens the same store.
      logger.error(died, 'worker died; starting another');
      start();
    } else {
      logger.fatal(died, 'a worker exited before it was listening: the service cannot start');
      exitCode = 1;
      stop('SIGTERM');
    }
    if (stopping && alive.size === 0) {
      logger.info('stopped');
      exit(exitCode);
    }
  });

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  logger.info({ workers: count }, 'starting workers');
  for (let i = 0; i < count; i += 1) start();
}
