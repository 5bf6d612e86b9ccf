/**
 * The load generator: wrk when it is installed (a C program, far cheaper per request than any
 * Node client), otherwise autocannon, in this process. Both run one thread with a fixed number
 * of keep-alive connections; what each measured comes back in one shape, with the share of a
 * core the generator itself used, so a report can show it was not the bottleneck.
 */
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Load {
  readonly url: string;
  /** One API key for every request, or several that the requests take in turn. */
  readonly keys: readonly string[];
  readonly seconds: number;
  readonly connections: number;
  /** A CPU list for taskset ("0", "0,1"); undefined leaves the generator where this process runs. */
  readonly cpus?: string;
}

export interface LoadResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  /** Non-2xx replies, socket errors and timeouts: a run with any is not a valid rate. */
  readonly failures: number;
  /** CPU time the generator used over the run, in cores (1.0 = one core busy all the time). */
  readonly coreShare: number;
}

export interface LoadGenerator {
  readonly description: string;
  run(load: Load, scratchFolder: string): Promise<LoadResult>;
}

export function chooseLoadGenerator(): LoadGenerator {
  const wrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (wrk.error === undefined) {
    const version = `${wrk.stdout}${wrk.stderr}`.match(/wrk (\S+)/)?.[1] ?? 'unknown version';
    return { description: `wrk ${version}`, run: runWrk };
  }
  return { description: 'autocannon (wrk is not installed: rates are bounded by a Node.js client)', run: runAutocannon };
}

const authorization = (key: string) => `Bearer ${key}`;

async function runWrk(load: Load, scratchFolder: string): Promise<LoadResult> {
  const args = ['-t', '1', '-c', String(load.connections), '-d', `${load.seconds}s`, '--latency'];
  if (load.keys.length === 1) {
    args.push('-H', `Authorization: ${authorization(load.keys[0])}`);
  } else {
    // A Lua request() hook costs wrk some CPU per request; only runs over many keys use it.
    const script = path.join(scratchFolder, `keys-${load.keys.length}.lua`);
    writeFileSync(
      script,
      `local keys = {${load.keys.map((key) => JSON.stringify(authorization(key))).join(',')}}\n` +
        'local i = 0\n' +
        'request = function()\n  i = i % #keys + 1\n  return wrk.format(nil, nil, { ["Authorization"] = keys[i] })\nend\n',
    );
    args.push('-s', script);
  }
  args.push(load.url);
  // bash's `times` reports the CPU its child used, which /proc can no longer tell once wrk exits.
  const command = ['bash', '-c', 'wrk "$@"; status=$?; times; exit $status', 'wrk', ...args];
  const pinned = load.cpus === undefined ? command : ['taskset', '-c', load.cpus, ...command];
  const child = spawn(pinned[0], pinned.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${output}`);

  const number = (pattern: RegExp) => Number(output.match(pattern)?.[1] ?? 0);
  const requests = number(/(\d+) requests in/);
  const seconds = parseDuration(output.match(/requests in ([\d.]+\w+)/)![1]);
  const socketErrors = output.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const [, user, system] = output.trim().split('\n').pop()!.match(/^(\S+) (\S+)$/) ?? [];
  return {
    requests,
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p99Ms: parseDuration(output.match(/ 99%\s+([\d.]+\w+)/)![1]) * 1000,
    failures: number(/Non-2xx or 3xx responses: (\d+)/) + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
    coreShare: (parseShellTime(user) + parseShellTime(system)) / seconds,
  };
}

/** wrk's durations: 812.00us, 1.20ms, 2.00s, 1.01m. */
function parseDuration(text: string): number {
  const [, amount, unit] = text.match(/^([\d.]+)(us|ms|s|m)$/)!;
  return Number(amount) * { us: 1e-6, ms: 1e-3, s: 1, m: 60 }[unit as 'us' | 'ms' | 's' | 'm'];
}

/** bash's `times`: 0m1.234s. */
function parseShellTime(text: string | undefined): number {
  const [, minutes, seconds] = text?.match(/^(\d+)m([\d.]+)s$/) ?? [, '0', '0'];
  return Number(minutes) * 60 + Number(seconds);
}

async function runAutocannon(load: Load): Promise<LoadResult> {
  let turn = 0;
  const before = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.seconds,
    requests: [
      {
        setupRequest: (request) => {
          turn = (turn + 1) % load.keys.length;
          return { ...request, headers: { ...request.headers, Authorization: authorization(load.keys[turn]) } };
        },
      },
    ],
  });
  const used = process.cpuUsage(before);
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / elapsedSeconds,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
    coreShare: (used.user + used.system) / 1e6 / elapsedSeconds,
  };
}
