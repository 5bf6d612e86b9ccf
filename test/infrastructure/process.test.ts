import { expect } from 'chai';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { request } from '../support/http-client';

const MAIN = path.resolve(__dirname, '..', '..', 'src', 'infrastructure', 'main.js');

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function startMain(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the service process (dist/src/infrastructure/main.js)', () => {
  it('refuses to start on bad configuration, saying what is wrong, with a non-zero exit', async () => {
    const { child, output } = startMain({ PORT: 'eighty', STORAGE: 'floppy' });
    const [code] = await once(child, 'exit');
    expect(code).to.equal(2);
    expect(output()).to.contain('PORT must be a whole number');
    expect(output()).to.contain('STORAGE must be one of');
  });

  it('on SIGTERM finishes the request in flight, then exits 0', async () => {
    const port = await freePort();
    // A high bcrypt cost keeps the registration in flight long enough to signal during it.
    const { child, output } = startMain({ PORT: String(port), HOST: '127.0.0.1', STORAGE: 'memory', BCRYPT_ROUNDS: '14' });
    await waitFor(() => output().includes('"listening"'));
    const url = `http://127.0.0.1:${port}`;
    const inFlight = request(url, 'POST', '/v1/register', { body: { email: 'late@example.com', password: 'correct horse' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGTERM');
    const reply = await inFlight;
    const [code] = await once(child, 'exit');
    expect(reply.status).to.equal(201);
    expect(code).to.equal(0);
    expect(output()).to.contain('shutting down');
    expect(output()).not.to.contain(reply.body.data.attributes.apiKey);
    expect(output()).not.to.contain('correct horse');
  });
});
