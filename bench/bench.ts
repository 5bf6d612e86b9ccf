/**
 * npm run bench: /v1/next against the servers a user would compare it with, side by side in one
 * run on this machine, and the targets of the performance issue checked on what it measured.
 *
 * - Peers (bench/peers): bare node:http, bare Koa + router, Koa + Redis INCR with appendfsync always.
 * - Each server is pinned to CPU 1, the load generator to CPU 0 (wrk, else autocannon), 1 thread,
 *   50 connections. Rounds are interleaved (every server once per round, each after a 1 s
 *   warm-up); ratios are taken within a round and the median over rounds is reported, because
 *   a shared virtual machine swings from one minute to the next.
 * - Then the memory check (target 5) and the WORKERS scaling figures, unpinned.
 * Exits 1 when a target is missed or a request failed, naming which.
 *
 * BENCH_ROUNDS (3), BENCH_DURATION (5 s), BENCH_ONLY (a regex of server names),
 * BENCH_MEMORY_CALLS (1000000, per step; 0 skips target 5), BENCH_MEMORY_KEYS (10000),
 * BENCH_SCALING (1; 0 skips the WORKERS figures).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { chooseLoadGenerator, Load, LoadResult } from './load-generator';
import { registerUser, ROOT, Server, startPeer, startRedis, startService } from './servers';

const SECONDS = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const MEMORY_CALLS = Number(process.env.BENCH_MEMORY_CALLS ?? 1_000_000);
const MEMORY_KEYS = Number(process.env.BENCH_MEMORY_KEYS ?? 10_000);
const SCALING = process.env.BENCH_SCALING !== '0';
const CONNECTIONS = 50;
const RANGE = 1000;

const generator = chooseLoadGenerator();
// On two cores the scheduler sometimes puts a server and the load generator on the same core,
// which halves a rate at random; pinning makes runs repeatable. Children inherit CPU 0.
const PINNED = spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' }).status === 0;
const SERVER_CPUS = PINNED ? '1' : undefined;

/** A fresh folder under ./data, on the project's disk (a tmpfs /tmp would make fsync free). */
const scratch = (() => {
  mkdirSync(path.join(ROOT, 'data'), { recursive: true });
  const folder = mkdtempSync(path.join(ROOT, 'data', 'bench-'));
  process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
  return folder;
})();
let databases = 0;
const sqliteFile = () => path.join(scratch, `increment-${++databases}.db`);

const NAMES = {
  http: 'bare node:http, constant JSON',
  koa: 'bare Koa + router, constant JSON',
  redis: 'Koa + Redis INCR, appendfsync always',
  memory: 'this service, /v1/next, memory',
  sqlite: 'this service, /v1/next, SQLite',
  range: `this service, /v1/next count=${RANGE}, SQLite`,
} as const;

interface Contender {
  readonly name: string;
  readonly server: Server;
  readonly path: string;
  readonly key: string;
}

interface Sample extends LoadResult {
  /** Server CPU time per request, in microseconds. */
  readonly cpuMicroseconds: number;
  readonly serverCoreShare: number;
}

const stops: Array<() => Promise<void>> = [];
const skipped: string[] = [];

async function measure(contender: Contender, cpusForLoad?: string): Promise<Sample> {
  const load: Load = { url: `${contender.server.url}${contender.path}`, keys: [contender.key], seconds: 1, connections: CONNECTIONS, cpus: cpusForLoad };
  await generator.run(load, scratch); // warm-up: JIT, connection pools
  const cpuBefore = contender.server.cpuSeconds();
  const result = await generator.run({ ...load, seconds: SECONDS }, scratch);
  const cpu = contender.server.cpuSeconds() - cpuBefore;
  return { ...result, cpuMicroseconds: (cpu / Math.max(result.requests, 1)) * 1e6, serverCoreShare: cpu / SECONDS };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const group = (n: number) => Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');
const fixed = (n: number, digits = 2) => n.toFixed(digits);

async function startContenders(): Promise<Contender[]> {
  const wanted = (name: string) => !ONLY || ONLY.test(name);
  const contenders: Contender[] = [];
  const add = async (name: string, start: () => Promise<Server>, options: { path?: string; key?: (server: Server) => Promise<string> } = {}) => {
    if (!wanted(name)) return;
    const server = await start();
    stops.push(() => server.stop());
    const key = options.key ? await options.key(server) : 'inc_bench';
    contenders.push({ name, server, key, path: options.path ?? '/v1/next' });
  };
  const register = (server: Server) => registerUser(server.url, `bench-${Date.now()}@example.com`);
  const service = (env: Record<string, string>) => () => startService({ BCRYPT_ROUNDS: '4', ...env }, SERVER_CPUS);

  await add(NAMES.http, () => startPeer('node-http.js', {}, SERVER_CPUS));
  await add(NAMES.koa, () => startPeer('koa.js', {}, SERVER_CPUS));
  if (wanted(NAMES.redis)) {
    const redis = await startRedis(scratch, SERVER_CPUS);
    if (redis === undefined) skipped.push(`| ${NAMES.redis} | skipped: redis-server is not installed (Debian: apt-get install redis-server) | | | | |`);
    else {
      stops.push(() => redis.stop());
      await add(NAMES.redis, () => startPeer('koa-redis.js', { REDIS_PORT: String(redis.port) }, SERVER_CPUS));
    }
  }
  await add(NAMES.memory, service({ STORAGE: 'memory' }), { key: register });
  await add(NAMES.sqlite, service({ STORAGE: 'sqlite', SQLITE_PATH: sqliteFile() }), { key: register });
  await add(NAMES.range, service({ STORAGE: 'sqlite', SQLITE_PATH: sqliteFile() }), {
    path: `/v1/next?count=${RANGE}`,
    key: async (server) => {
      const key = await register(server);
      if (!(await handsOutRanges(server.url, key))) {
        skipped.push(`| ${NAMES.range} | skipped: the service does not hand out ranges yet (its reply has no meta.issued.count = ${RANGE}) | | | | |`);
        await server.stop();
        throw new SkipContender();
      }
      return key;
    },
  }).catch((error: unknown) => {
    if (!(error instanceof SkipContender)) throw error;
  });
  return contenders;
}

class SkipContender extends Error {}

async function handsOutRanges(url: string, key: string): Promise<boolean> {
  const reply = await fetch(`${url}/v1/next?count=${RANGE}`, { headers: { Authorization: `Bearer ${key}` } });
  const document = (await reply.json().catch(() => ({}))) as { meta?: { issued?: { count?: number } } };
  return reply.status === 200 && document.meta?.issued?.count === RANGE;
}

interface Verdict {
  readonly label: string;
  readonly measured: string;
  /** true: met, false: missed, undefined: not checked (and why is in `measured`). */
  readonly met?: boolean;
}

function rates(contenders: Contender[], rounds: Array<Map<string, Sample>>): Verdict[] {
  const byName = new Map(contenders.map((contender) => [contender.name, contender]));
  const samples = (name: string) => rounds.map((round) => round.get(name)!);
  const perRound = (of: string, to: string, pick: (sample: Sample) => number) =>
    rounds.map((round) => pick(round.get(of)!) / pick(round.get(to)!));

  console.log(`\n| server | req/s | ratio to node:http | p99 | server CPU per request | ${generator.description.split(' ')[0]} core share |`);
  console.log('|---|---|---|---|---|---|');
  for (const contender of contenders) {
    const mine = samples(contender.name);
    const ratio = byName.has(NAMES.http) ? fixed(median(perRound(contender.name, NAMES.http, (s) => s.requestsPerSecond)), 3) : '—';
    const p99s = mine.map((sample) => sample.p99Ms);
    console.log(
      `| ${contender.name} | ${group(median(mine.map((s) => s.requestsPerSecond)))} | ${ratio} | ` +
        `${fixed(median(p99s))} ms (${fixed(Math.min(...p99s))}–${fixed(Math.max(...p99s))}) | ` +
        `${fixed(median(mine.map((s) => s.cpuMicroseconds)), 0)} µs | ${fixed(median(mine.map((s) => s.coreShare)))} |`,
    );
  }
  for (const line of skipped) console.log(line);

  const ratioTarget = (label: string, of: string, to: string, pick: (s: Sample) => number, target: number, atLeast: boolean): Verdict => {
    if (!byName.has(of) || !byName.has(to)) return { label, measured: `not checked: ${!byName.has(of) ? of : to} was not measured` };
    const values = perRound(of, to, pick);
    const value = median(values);
    return { label, measured: `${fixed(value)} (rounds ${values.map((v) => fixed(v)).join(', ')})`, met: atLeast ? value >= target : value <= target };
  };
  const verdicts = [
    ratioTarget('1. SQLite next : Koa + Redis req/s >= 1.00', NAMES.sqlite, NAMES.redis, (s) => s.requestsPerSecond, 1.0, true),
    ratioTarget('2. memory next : bare Koa req/s >= 0.50', NAMES.memory, NAMES.koa, (s) => s.requestsPerSecond, 0.5, true),
    ratioTarget('3. SQLite next p99 : bare Koa p99 <= 2.5', NAMES.sqlite, NAMES.koa, (s) => s.p99Ms, 2.5, false),
  ];
  const range = byName.get(NAMES.range);
  const label4 = `4. next count=${RANGE}, SQLite >= 10 000 000 integers/s`;
  if (range === undefined) verdicts.push({ label: label4, measured: 'not checked: not measured (see the skipped line above)' });
  else {
    const integers = samples(range.name).map((sample) => sample.requestsPerSecond * RANGE);
    verdicts.push({ label: label4, measured: `${group(median(integers))} integers/s`, met: median(integers) >= 10_000_000 });
  }
  return verdicts;
}

/** Target 5: RSS after each million `next` calls spread over many keys, on SQLite. */
async function memoryTarget(): Promise<Verdict> {
  const label =
    `5. RSS after ${group(MEMORY_CALLS)} next calls over ${group(MEMORY_KEYS)} keys < 150 MB (every sample from then on), ` +
    `not growing over the next ${group(MEMORY_CALLS)} (median against median)`;
  if (MEMORY_CALLS <= 0) return { label, measured: 'not checked: BENCH_MEMORY_CALLS=0' };
  const server = await startService({ BCRYPT_ROUNDS: '4', STORAGE: 'sqlite', SQLITE_PATH: sqliteFile() }, SERVER_CPUS);
  stops.push(() => server.stop());
  const residentMb = () => server.residentBytes() / 2 ** 20;
  const keys: string[] = [];
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      for (let i = worker; i < MEMORY_KEYS; i += 8) keys.push(await registerUser(server.url, `memory-${i}@example.com`));
    }),
  );
  console.log(`\nmemory: ${group(keys.length)} users registered in ${fixed((Date.now() - started) / 1000, 1)} s; RSS ${fixed(residentMb(), 1)} MB`);
  // RSS is sampled after every wrk run (at most 5 s, so 13 to 25 samples a million), not once a
  // million: between two full collections the old generation grows and then drops again, by 20
  // to 40 MB, so two single samples said "growing" or "not" by when they fell. The first million
  // warms up (the old generation finds its size after the registrations: 108 to 155 MB in one
  // run, then 111 to 118 for the next million); from its last sample on every sample must stay
  // under 150 MB, and the third million's median within 5 MB or 5 % of the second's.
  const samples: number[][] = [];
  let calls = 0;
  let failures = 0;
  let rate = 10_000;
  for (const step of [1, 2, 3]) {
    const resident: number[] = [];
    while (calls < step * MEMORY_CALLS) {
      // wrk runs for a time, not a number of calls: each run aims at what is left, at the last rate.
      const seconds = Math.min(5, Math.max(1, Math.ceil((step * MEMORY_CALLS - calls) / rate)));
      const result = await generator.run({ url: `${server.url}/v1/next`, keys, seconds, connections: CONNECTIONS }, scratch);
      calls += result.requests;
      failures += result.failures;
      rate = Math.max(result.requestsPerSecond, 1);
      resident.push(residentMb());
    }
    // The last run of a step can overshoot into the next: a step always has its sample.
    if (resident.length === 0) resident.push(residentMb());
    samples.push(resident);
    console.log(
      `memory: RSS ${fixed(resident.at(-1)!, 1)} MB after ${group(calls)} calls; over this million${step === 1 ? ' (the warm-up)' : ''} ` +
        `${fixed(Math.min(...resident), 1)} to ${fixed(Math.max(...resident), 1)} MB, median ${fixed(median(resident), 1)} (${resident.length} samples)`,
    );
  }
  const [, second, third] = samples.map(median);
  // From the sample at the end of the first million on.
  const highest = Math.max(samples[0].at(-1)!, ...samples.slice(1).flat());
  const growth = third - second;
  const flat = growth <= Math.max(5, second * 0.05);
  const measured =
    `medians ${fixed(second, 1)} then ${fixed(third, 1)} MB (${growth >= 0 ? '+' : ''}${fixed(growth, 1)} MB), ` +
    `highest ${fixed(highest, 1)} MB from the first million's end${failures ? `; ${failures} failed calls` : ''}`;
  return { label, measured, met: failures === 0 && highest < 150 && flat };
}

/** 2 workers against 1 on this machine, nothing pinned: the load generator shares the cores. */
async function scaling(): Promise<void> {
  console.log(`\nWORKERS scaling: /v1/next on SQLite, server and ${generator.description.split(' ')[0]} free to use both cores`);
  spawnSync('taskset', ['-cp', '0-' + String(cpus().length - 1), String(process.pid)], { stdio: 'ignore' });
  const all = cpus().map((_, i) => i).join(',');
  const contenders: Contender[] = [];
  for (const workers of [1, 2]) {
    const server = await startService({ BCRYPT_ROUNDS: '4', STORAGE: 'sqlite', SQLITE_PATH: sqliteFile(), WORKERS: String(workers) }, all);
    stops.push(() => server.stop());
    const key = await registerUser(server.url, `scaling-${workers}@example.com`);
    contenders.push({ name: `WORKERS=${workers}`, server, key, path: '/v1/next' });
  }
  const rounds: Array<Map<string, Sample>> = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const samples = new Map<string, Sample>();
    for (const contender of contenders) samples.set(contender.name, await measure(contender, all));
    rounds.push(samples);
  }
  console.log(`\n| workers | req/s | ratio to 1 worker | p99 | server cores used | ${generator.description.split(' ')[0]} cores used |`);
  console.log('|---|---|---|---|---|---|');
  for (const contender of contenders) {
    const mine = rounds.map((round) => round.get(contender.name)!);
    const ratios = rounds.map((round) => round.get(contender.name)!.requestsPerSecond / round.get('WORKERS=1')!.requestsPerSecond);
    console.log(
      `| ${contender.name.slice('WORKERS='.length)} | ${group(median(mine.map((s) => s.requestsPerSecond)))} | ${fixed(median(ratios))} | ` +
        `${fixed(median(mine.map((s) => s.p99Ms)))} ms | ${fixed(median(mine.map((s) => s.serverCoreShare)))} | ${fixed(median(mine.map((s) => s.coreShare)))} |`,
    );
  }
  if (rounds.some((round) => [...round.values()].some((sample) => sample.failures > 0))) failedRequests = true;
}

let failedRequests = false;

async function main(): Promise<void> {
  console.log(`npm run bench, ${new Date().toISOString()}, Node.js ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()})`);
  console.log(`load generator: ${generator.description}, 1 thread, ${CONNECTIONS} connections`);
  console.log(PINNED ? 'load generator pinned to CPU 0, each server (and Redis) to CPU 1' : 'taskset not found: nothing is pinned, expect noisier numbers');
  console.log(`${ROUNDS} interleaved round(s) of ${SECONDS} s per server, each after a 1 s warm-up; medians over rounds`);
  console.log('the service runs at LOG_LEVEL=info with its log going to /dev/null, metrics on');
  const verdicts: Verdict[] = [];
  try {
    const contenders = await startContenders();
    const rounds: Array<Map<string, Sample>> = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const samples = new Map<string, Sample>();
      for (const contender of contenders) {
        const sample = await measure(contender);
        samples.set(contender.name, sample);
        if (sample.failures > 0) failedRequests = true;
        console.log(
          `round ${round}  ${contender.name.padEnd(46)} ${group(sample.requestsPerSecond).padStart(7)} req/s  p99 ${fixed(sample.p99Ms).padStart(6)} ms  ` +
            `${fixed(sample.cpuMicroseconds, 0).padStart(4)} µs CPU/req  failures ${sample.failures}`,
        );
      }
      rounds.push(samples);
    }
    verdicts.push(...rates(contenders, rounds));
    for (const stop of stops.splice(0)) await stop();
    verdicts.push(await memoryTarget());
    for (const stop of stops.splice(0)) await stop();
    if (SCALING) await scaling();
    else console.log('\nWORKERS scaling: skipped (BENCH_SCALING=0)');
  } finally {
    for (const stop of stops.splice(0)) await stop();
  }

  console.log('\ntargets');
  for (const verdict of verdicts) {
    const status = verdict.met === undefined ? 'NOT CHECKED' : verdict.met ? 'met' : 'MISSED';
    console.log(`  ${verdict.label.padEnd(96)} ${verdict.measured}  ${status}`);
  }
  const missed = verdicts.filter((verdict) => verdict.met === false);
  if (failedRequests) console.log('\nFAILED: some requests failed, so the rates above are not valid');
  if (missed.length > 0) console.log(`\nMISSED: ${missed.map((verdict) => verdict.label.split('.')[0]).map((n) => `target ${n}`).join(', ')}`);
  process.exitCode = missed.length > 0 || failedRequests ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
