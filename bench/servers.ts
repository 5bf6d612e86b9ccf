/**
 * The processes a bench measures: the service (dist/src/infrastructure/main.js) and the peers in
 * bench/peers, each started on a free port, optionally pinned to CPUs, with its output going to
 * /dev/null as to a log shipper that keeps up.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

export interface Server {
  readonly url: string;
  readonly process: ChildProcess;
  /** CPU seconds used so far by the process and its children (cluster workers). */
  cpuSeconds(): number;
  /** Resident memory of the process and its children, in bytes. */
  residentBytes(): number;
  stop(): Promise<void>;
}

/** Spawns `command` (pinned with taskset when `cpus` is given) and waits until `readyPath` answers. */
export async function startProcess(
  command: readonly string[],
  options: { env: Record<string, string>; cpus?: string; readyPath: string; port: number },
): Promise<Server> {
  const argv = options.cpus === undefined ? command : ['taskset', '-c', options.cpus, ...command];
  // taskset execs the command, so the child's pid is the server's.
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${options.port}`;
  for (;;) {
    if (exited) throw new Error(`${command.join(' ')} exited before it answered`);
    const answered = await fetch(`${url}${options.readyPath}`).then((reply) => reply.status < 500, () => false);
    if (answered) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const family = () => [child.pid!, ...childrenOf(child.pid!)];
  return {
    url,
    process: child,
    cpuSeconds: () => family().reduce((sum, pid) => sum + cpuTicks(pid), 0) / TICKS_PER_SECOND,
    residentBytes: () => family().reduce((sum, pid) => sum + residentBytes(pid), 0),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** utime + stime of /proc/<pid>/stat (fields 14 and 15; the command name may hold spaces). */
function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function residentBytes(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)![1]) * 1024;
  } catch {
    return 0;
  }
}

/** The service's command as the image runs it (the Dockerfile's CMD, Node's flags included), with this Node.js. */
export function serviceCommand(): string[] {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const cmd = [...dockerfile.matchAll(/^CMD (\[.*\])$/gm)].at(-1);
  if (!cmd) throw new Error('the Dockerfile has no exec-form CMD');
  const [, ...args] = JSON.parse(cmd[1]) as string[];
  return [process.execPath, ...args];
}

/**
 * The service as `npm start` runs it, at LOG_LEVEL=info with metrics on, plus `env`. The bench
 * registers its 10 000 users from one address, so the registration limit is off.
 */
export async function startService(env: Record<string, string>, cpus?: string): Promise<Server> {
  const port = await freePort();
  return startProcess(serviceCommand(), {
    env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: '0', ...env },
    cpus,
    readyPath: '/health/live',
    port,
  });
}

export async function startPeer(script: string, env: Record<string, string>, cpus?: string): Promise<Server> {
  const port = await freePort();
  return startProcess([process.execPath, path.join('dist', 'bench', 'peers', script)], {
    env: { PORT: String(port), ...env },
    cpus,
    readyPath: '/v1/next',
    port,
  });
}

/** redis-server with every write fsynced before it is acknowledged, or undefined when not installed. */
export async function startRedis(folder: string, cpus?: string): Promise<{ port: number; stop(): Promise<void> } | undefined> {
  if (spawnSync('redis-server', ['--version']).error !== undefined) return undefined;
  const port = await freePort();
  const command = ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', folder];
  const argv = cpus === undefined ? command : ['taskset', '-c', cpus, ...command];
  const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  while (!(await answersPing(port))) {
    if (child.exitCode !== null) throw new Error('redis-server exited at start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (reply) => {
      socket.destroy();
      resolve(reply.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/** Registers a user and returns its API key. */
export async function registerUser(url: string, email: string): Promise<string> {
  const reply = await fetch(`${url}/v1/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'benchmark password' }),
  });
  if (reply.status !== 201) throw new Error(`registration failed with ${reply.status}: ${await reply.text()}`);
  const document = (await reply.json()) as { data: { attributes: { apiKey: string } } };
  return document.data.attributes.apiKey;
}
