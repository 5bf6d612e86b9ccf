/**
 * npm run bench:sequences — what ranges and idempotency keys cost, on SQLite with full
 * durability (WAL, group commit, each group answered after its fdatasync), in one server process:
 *   - `POST /v1/next?count=1000`, reported in integers per second;
 *   - `POST /v1/next` with a fresh Idempotency-Key on every call, as a ratio to plain `POST /v1/next`.
 * Kept apart from bench.ts, whose harness is being rewritten; it shares no code with it.
 * BENCH_DURATION (seconds per measurement, default 5) and BENCH_ROUNDS (default 3) apply.
 */
import autocannon, { Request } from 'autocannon';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, ROOT, serviceCommand } from './servers';

const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const RANGE = 1000;
// Server on one core, load generator on the other, as in bench.ts.
const PINNED = spawnSync('taskset', ['-cp', '0', String(process.pid)]).status === 0;

async function startSqliteService(port: number, file: string): Promise<ChildProcess> {
  const command = PINNED ? ['taskset', '-c', '1', ...serviceCommand()] : serviceCommand();
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', STORAGE: 'sqlite', SQLITE_PATH: file, BCRYPT_ROUNDS: '4' };
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error('the service exited before it answered');
    if (await fetch(`http://127.0.0.1:${port}/health/live`).then((reply) => reply.ok, () => false)) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function apiKey(base: string): Promise<string> {
  const reply = await fetch(`${base}/v1/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'benchmark password' }),
  });
  if (reply.status !== 201) throw new Error(`registration failed with ${reply.status}`);
  return ((await reply.json()) as { data: { attributes: { apiKey: string } } }).data.attributes.apiKey;
}

/** Requests per second of POST `url`; `perRequest` adds headers to each request. */
async function rate(url: string, headers: Record<string, string>, perRequest?: () => Record<string, string>): Promise<number> {
  const requests: Request[] | undefined = perRequest
    ? [{ method: 'POST', setupRequest: (request: Request) => ({ ...request, headers: { ...request.headers, ...perRequest() } }) }]
    : undefined;
  const options = { url, method: 'POST' as const, headers, connections: CONNECTIONS, requests };
  await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration: DURATION_SECONDS });
  const failures = result.errors + result.timeouts + result.non2xx;
  if (failures > 0) throw new Error(`${url}: ${failures} failed requests`);
  return result.requests.average;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const format = (value: number) => Math.round(value).toLocaleString('en-US').replace(/,/g, ' ');

async function main(): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'increment-bench-'));
  const port = await freePort();
  const service = await startSqliteService(port, path.join(folder, 'bench.db'));
  try {
    const base = `http://127.0.0.1:${port}`;
    const headers = { Authorization: `Bearer ${await apiKey(base)}` };
    const integers: number[] = [];
    const ratios: number[] = [];
    console.log(`SQLite, full durability; autocannon ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_SECONDS}s\n`);
    for (let round = 1; round <= ROUNDS; round += 1) {
      const ranges = await rate(`${base}/v1/next?count=${RANGE}`, headers);
      const plain = await rate(`${base}/v1/next`, headers);
      const keyed = await rate(`${base}/v1/next`, headers, () => ({ 'Idempotency-Key': randomUUID() }));
      integers.push(ranges * RANGE);
      ratios.push(keyed / plain);
      console.log(
        `round ${round}: count=${RANGE}: ${format(ranges)} req/s = ${format(ranges * RANGE)} integers/s; ` +
          `plain next ${format(plain)} req/s, with Idempotency-Key ${format(keyed)} req/s (ratio ${(keyed / plain).toFixed(2)})`,
      );
    }
    console.log(`\nmedian: next?count=${RANGE} ${format(median(integers))} integers/s; Idempotency-Key : plain = ${median(ratios).toFixed(2)}`);
  } finally {
    service.kill('SIGTERM');
    await once(service, 'exit');
    rmSync(folder, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
