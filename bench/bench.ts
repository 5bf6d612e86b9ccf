/**
 * npm run bench: request rates of /v1/next on each store against a bare Koa route,
 * all measured in one run on this machine, so the ratios are what matter.
 * Each server runs in its own process; autocannon drives it from this one.
 */
import autocannon from 'autocannon';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const ROOT = path.resolve(__dirname, '..', '..');
// On a two-core machine the scheduler sometimes puts the server and the load generator on the
// same core, which halves a rate at random. Pinning each to its own core makes runs repeatable.
const PINNED = spawnSync('taskset', ['-cp', '0', String(process.pid)]).status === 0;

interface Target {
  readonly name: string;
  readonly env?: Record<string, string>;
  /** Starts the server and returns what to call. */
  start(port: number): Promise<{ process: ChildProcess; path: string; headers: Record<string, string> }>;
}

interface Result {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** Starts a server process (its logs go to /dev/null, as to a log shipper) and waits until it answers. */
async function spawnServer(script: string, env: Record<string, string>, readyPath: string): Promise<ChildProcess> {
  const command = PINNED ? ['taskset', '-c', '1', process.execPath] : [process.execPath];
  const child = spawn(command[0], [...command.slice(1), path.join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${script} exited before it answered`);
    const answered = await fetch(`http://127.0.0.1:${env.PORT}${readyPath}`).then(
      (reply) => reply.ok,
      () => false,
    );
    if (answered) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function registerUser(port: number): Promise<string> {
  const reply = await fetch(`http://127.0.0.1:${port}/v1/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'benchmark password' }),
  });
  if (reply.status !== 201) throw new Error(`registration failed with ${reply.status}`);
  const document = (await reply.json()) as { data: { attributes: { apiKey: string } } };
  return document.data.attributes.apiKey;
}

export function serviceTarget(name: string, env: Record<string, string>): Target {
  return {
    name,
    env,
    async start(port) {
      const child = await spawnServer(
        'dist/src/infrastructure/main.js',
        { PORT: String(port), HOST: '127.0.0.1', BCRYPT_ROUNDS: '4', ...env },
        '/health/live',
      );
      const key = await registerUser(port);
      return { process: child, path: '/v1/next', headers: { Authorization: `Bearer ${key}` } };
    },
  };
}

const bareTarget: Target = {
  name: 'bare Koa route',
  async start(port) {
    const child = await spawnServer('dist/bench/bare-server.js', { PORT: String(port) }, '/constant');
    return { process: child, path: '/constant', headers: {} };
  },
};

interface Started {
  readonly target: Target;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly process: ChildProcess;
}

async function start(target: Target): Promise<Started> {
  const port = await freePort();
  const server = await target.start(port);
  return { target, url: `http://127.0.0.1:${port}${server.path}`, headers: server.headers, process: server.process };
}

async function measure(server: Started): Promise<Result> {
  const options = { url: server.url, headers: server.headers, connections: CONNECTIONS };
  await autocannon({ ...options, duration: 1 }); // warm-up: JIT, connection pools
  const result = await autocannon({ ...options, duration: DURATION_SECONDS });
  return {
    name: server.target.name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

export interface Comparison {
  readonly name: string;
  readonly of: string;
  readonly to: string;
  readonly target: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Every server runs for the whole bench; each round measures them all, one after the other.
 * A ratio is taken within a round, seconds apart, and the median over the rounds is reported,
 * so one noisy moment on a shared machine moves one sample, not the verdict.
 */
export async function runBench(targets: Target[], comparisons: Comparison[]): Promise<void> {
  console.log(`autocannon: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_SECONDS}s per target (each after a 1s warm-up)`);
  console.log(PINNED ? 'load generator pinned to CPU 0, servers to CPU 1\n' : 'taskset not found: processes are not pinned, expect noisier numbers\n');
  const servers: Started[] = [];
  try {
    for (const target of [bareTarget, ...targets]) servers.push(await start(target));
    const rounds: Array<Map<string, Result>> = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const results = new Map<string, Result>();
      for (const server of servers) {
        const result = await measure(server);
        results.set(result.name, result);
        console.log(
          `round ${round}  ${result.name.padEnd(36)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${result.p50} ms   p99 ${result.p99} ms   failures ${result.failures}`,
        );
      }
      rounds.push(results);
    }

    console.log('\nmedian over the rounds');
    for (const server of servers) {
      const rates = rounds.map((results) => results.get(server.target.name)!.requestsPerSecond);
      console.log(`  ${server.target.name.padEnd(36)} ${median(rates).toFixed(0).padStart(7)} req/s`);
    }
    let missed = false;
    for (const comparison of comparisons) {
      const ratios = rounds.map((results) => results.get(comparison.of)!.requestsPerSecond / results.get(comparison.to)!.requestsPerSecond);
      const ratio = median(ratios);
      missed ||= ratio < comparison.target;
      console.log(
        `  ${comparison.name.padEnd(36)} ${ratio.toFixed(2).padStart(7)}   (target >= ${comparison.target.toFixed(2)}; rounds ${ratios.map((r) => r.toFixed(2)).join(', ')})  ${ratio >= comparison.target ? 'ok' : 'BELOW TARGET'}`,
      );
    }
    const failed = rounds.some((results) => [...results.values()].some((result) => result.failures > 0));
    if (failed) console.log('\nsome requests failed: the rates above are not valid');
    process.exitCode = missed || failed ? 1 : 0;
  } finally {
    for (const server of servers) {
      server.process.kill('SIGTERM');
      await once(server.process, 'exit');
    }
  }
}

/**
 * A fresh database file under ./data, on the project's disk (/tmp may be a tmpfs, where fsync
 * costs nothing), removed when the run ends.
 */
function benchDatabase(): string {
  mkdirSync(path.join(ROOT, 'data'), { recursive: true });
  const folder = mkdtempSync(path.join(ROOT, 'data', 'bench-'));
  process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
  return path.join(folder, 'increment.db');
}

if (require.main === module) {
  void runBench(
    [
      serviceTarget('/v1/next, memory', { STORAGE: 'memory' }),
      serviceTarget('/v1/next, memory, no request log', { STORAGE: 'memory', LOG_LEVEL: 'warn' }),
      serviceTarget('/v1/next, sqlite', { STORAGE: 'sqlite', SQLITE_PATH: benchDatabase() }),
    ],
    [
      { name: 'ratio /v1/next memory : bare Koa', of: '/v1/next, memory', to: 'bare Koa route', target: 0.8 },
      { name: 'same, LOG_LEVEL=warn', of: '/v1/next, memory, no request log', to: 'bare Koa route', target: 0.8 },
      { name: 'ratio /v1/next sqlite : memory', of: '/v1/next, sqlite', to: '/v1/next, memory', target: 0.5 },
    ],
  );
}
