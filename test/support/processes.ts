import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../bench/servers';
import { request } from './http-client';
import { conformsToOpenApi } from './openapi-validator';

export const MAIN = path.resolve(__dirname, '..', '..', 'src', 'infrastructure', 'main.js');

// One helper for the bench and the tests: both start real processes on ports they pick this way.
export { freePort };

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
}

/**
 * Runs the real entry point, `node dist/src/infrastructure/main.js`, with only the given environment,
 * optionally as another user (`uid`/`gid`, when the tests run as root).
 */
export function startMain(env: Record<string, string>, user: { uid?: number; gid?: number } = {}): ServiceProcess {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...user });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, url: `http://127.0.0.1:${env.PORT}`, output: () => output, exited: () => exit };
}

export interface TerminalRun {
  readonly code: number | null;
  /** What a person at the terminal saw on standard error, with plain line ends. */
  readonly terminal: string;
  /** Standard output, sent to a file as `> log` would. */
  readonly stdout: string;
}

/**
 * Runs the real entry point with its standard error on a pseudo-terminal, as when a person starts
 * it by hand; `script` (util-linux) provides the terminal. Undefined where `script` is missing.
 */
export async function runMainInTerminal(env: Record<string, string>, cwd?: string): Promise<TerminalRun | undefined> {
  if (spawnSync('script', ['--version']).error) return undefined;
  const folder = mkdtempSync(path.join(tmpdir(), 'increment-terminal-'));
  try {
    const stdoutFile = path.join(folder, 'stdout');
    const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
    const command = `${quote(process.execPath)} ${quote(MAIN)} > ${quote(stdoutFile)}`;
    const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let terminal = '';
    child.stdout!.on('data', (chunk: Buffer) => (terminal += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, terminal: terminal.replace(/\r\n/g, '\n'), stdout: readFileSync(stdoutFile, 'utf8') };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export interface SqliteServices {
  /** A fresh folder for each test, and the database file to be inside it. */
  readonly folder: string;
  readonly file: string;
  /** Starts the service on `file` (unless `env` names another); every service started is killed after the test. */
  start(env?: Record<string, string>): Promise<ServiceProcess>;
  /** Kills the services started so far, for a test that must release its files before its own clean-up. */
  stopAll(): Promise<void>;
}

/** For a describe block of real SQLite service processes: sets up and tears down each test's folder and services. */
export function sqliteServices(prefix: string): SqliteServices {
  const services: ServiceProcess[] = [];
  const fixture = {
    folder: '',
    file: '',
    start: async (env: Record<string, string> = {}) => {
      const service = await startService({ STORAGE: 'sqlite', SQLITE_PATH: fixture.file, ...env });
      services.push(service);
      return service;
    },
    stopAll: async () => {
      for (const service of services.splice(0)) {
        if (service.child.exitCode === null && service.child.signalCode === null) {
          service.child.kill('SIGKILL');
          await service.exited();
        }
      }
    },
  };
  beforeEach(() => {
    fixture.folder = mkdtempSync(path.join(tmpdir(), prefix));
    fixture.file = path.join(fixture.folder, 'data', 'increment.db');
  });
  afterEach(async () => {
    await fixture.stopAll();
    rmSync(fixture.folder, { recursive: true, force: true });
  });
  return fixture;
}

/** GET /v1/current with a key, checked against the OpenAPI document. */
export async function currentValue(url: string, apiKey: string): Promise<number> {
  const reply = await request(url, 'GET', '/v1/current', { headers: { Authorization: `Bearer ${apiKey}` } }, conformsToOpenApi);
  return reply.body.data.attributes.value;
}

/** Starts the service on a free port and waits until it (every worker, with WORKERS > 1) is listening. */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const service = startMain({ HOST: '127.0.0.1', PORT: String(port), BCRYPT_ROUNDS: '4', ...env });
  let exited = false;
  void service.exited().then(() => (exited = true));
  const ready = Number(env.WORKERS ?? 1) > 1 ? '"all workers listening"' : '"listening"';
  await waitFor(() => exited || service.output().includes(ready));
  if (exited) throw new Error(`the service did not start:\n${service.output()}`);
  return service;
}

/** The process ids of the workers that have been listening so far, oldest first (WORKERS > 1). */
export function workerPids(service: ServiceProcess): number[] {
  return [...service.output().matchAll(/"pid":(\d+),"msg":"worker listening"/g)].map((match) => Number(match[1]));
}

export async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Keep-alive agent with a bounded pool, for load from tests. */
export const boundedAgent = () => new http.Agent({ keepAlive: true, maxSockets: 50 });
