import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ServiceProcess, startService } from './support/processes';

const README = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');

/** The first ```sh block after `marker` in the README. */
function shellBlockAfter(marker: string): string {
  const from = README.indexOf(marker);
  expect(from, marker).to.be.greaterThan(-1);
  const block = /```sh\n([\s\S]*?)```/.exec(README.slice(from));
  return block![1];
}

/**
 * Runs a README block with bash against the service, as a person pasting it would, and checks
 * each reply against the `# …` line under its command (`…` stands for what differs each time).
 */
function expectRepliesAsWritten(block: string, service: ServiceProcess): void {
  const run = spawnSync('bash', ['-euo', 'pipefail', '-c', block.replaceAll('http://localhost:3000', service.url)], { encoding: 'utf8' });
  expect(run.status, run.stderr).to.equal(0);
  const written = block.split('\n').filter((line) => line.startsWith('# ')).map((line) => line.slice(2));
  const replies = run.stdout.split('\n');
  expect(replies.pop(), 'each reply ends with a line break').to.equal('');
  expect(replies).to.have.length(written.length);
  written.forEach((expected, index) => {
    const pattern = new RegExp(`^${expected.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^"]+')}$`);
    expect(replies[index]).to.match(pattern);
  });
}

describe('the README, pasted into a terminal', function () {
  let service: ServiceProcess;
  beforeEach(async function () {
    if (spawnSync('curl', ['--version']).error) this.skip();
    service = await startService({ STORAGE: 'memory' });
  });
  afterEach(async () => {
    service?.child.kill('SIGTERM');
    await service?.exited();
  });

  const quickStart = shellBlockAfter('From a second terminal');

  it('quick start: register, keep the key with node -p, then next, next, current and reset', function () {
    expectRepliesAsWritten(quickStart, service);
  });

  it("API: the original challenge's three calls with ?token=", function () {
    const setKey = quickStart.slice(0, quickStart.indexOf('\ncurl'));
    expectRepliesAsWritten(`${setKey}\n${shellBlockAfter('The three calls of the original challenge')}`, service);
  });
});
