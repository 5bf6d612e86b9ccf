import { expect } from 'chai';
import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import pino from 'pino';
import { parseConfig } from '../../src/infrastructure/config';
import { Application, createApplication } from '../../src/infrastructure/container';
import { DEFAULT_LIMITS, listen, RunningServer, ServerLimits } from '../../src/infrastructure/server';

/** Slow and greedy clients, with real sockets against the real app and shortened limits. */
describe('the HTTP server against slow and greedy clients', function () {
  this.timeout(5000);
  let application: Application;
  let running: RunningServer;
  const sockets: Socket[] = [];

  async function start(limits: Partial<ServerLimits>) {
    const config = parseConfig({ STORAGE: 'memory', BCRYPT_ROUNDS: '4' });
    application = await createApplication(config, pino({ level: 'silent' }));
    running = await listen(application.app, 0, '127.0.0.1', limits);
  }

  async function open(): Promise<Socket & { received: () => string; closedAt: Promise<number> }> {
    const socket = connect(running.port, '127.0.0.1');
    sockets.push(socket);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk));
    socket.on('error', () => {});
    const closedAt = once(socket, 'close').then(() => performance.now());
    await once(socket, 'connect');
    return Object.assign(socket, { received: () => received, closedAt });
  }

  afterEach(async () => {
    sockets.splice(0).forEach((socket) => socket.destroy());
    await running.stop(100);
    await application.close();
  });

  it('defaults to headers within 10 s and the whole request within 30 s, headers never the longer', async () => {
    await start({});
    expect(running.server.headersTimeout).to.equal(10_000);
    expect(running.server.requestTimeout).to.equal(30_000);
    expect(running.server.maxConnections).to.equal(DEFAULT_LIMITS.maxConnections);
  });

  it('answers 408 and closes a request whose body stalls, once the request timeout has passed', async () => {
    await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = await open();
    const sent = performance.now();
    socket.write('POST /v1/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":');
    const closedAfter = (await socket.closedAt) - sent;
    expect(socket.received()).to.match(/^HTTP\/1\.1 408 /);
    // Before: headers allowed 66 s, so the stalled body was held for 66 to 96 s.
    expect(closedAfter).to.be.within(550, 2500);
  });

  it('closes a connection whose headers stall, once the headers timeout has passed', async () => {
    await start({ headersTimeoutMs: 300, requestTimeoutMs: 5000 });
    const socket = await open();
    const sent = performance.now();
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n');
    const closedAfter = (await socket.closedAt) - sent;
    expect(closedAfter).to.be.within(250, 2000);
  });

  it('closes connections beyond maxConnections at once, and takes new ones when there is room', async () => {
    await start({ maxConnections: 3 });
    const held = [await open(), await open(), await open()];
    const refused = await open();
    await refused.closedAt;
    expect(refused.received()).to.equal('');
    for (const socket of held) expect(socket.destroyed).to.equal(false);

    held[0].destroy();
    await held[0].closedAt;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the server sees the close
    const admitted = await open();
    admitted.write('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await admitted.closedAt;
    expect(admitted.received()).to.match(/^HTTP\/1\.1 200 /);
  });
});
