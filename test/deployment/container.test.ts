import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, existsSync, lchownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from '../support/http-client';
import { conformsToOpenApi } from '../support/openapi-validator';
import { freePort, MAIN, waitFor } from '../support/processes';
import {
  appFacts,
  dockerfileUser,
  DockerStage,
  execForm,
  KUBERNETES_DIR,
  KUBERNETES_HA_DIR,
  lastInstruction,
  loadManifests,
  parseDockerfile,
  ROOT,
  stageEnv,
  Yaml,
} from './deployment-files';
import { dockerfileProblems, dockerignoreProblems } from './dockerfile-checks';

const facts = appFacts();
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');

describe('the Dockerfile and .dockerignore', () => {
  it('build in two stages on a pinned Node.js LTS, and run as a numeric non-root user with an exec-form CMD', () => {
    expect(dockerfileProblems(DOCKERFILE, facts)).to.deep.equal([]);
    const stages = parseDockerfile(DOCKERFILE);
    expect(execForm(lastInstruction(stages[stages.length - 1], 'CMD'))).to.deep.equal(['node', '--single-threaded-gc', '--max-semi-space-size=8', 'dist/src/infrastructure/main.js']);
    expect(dockerfileUser(stages)?.uid).to.equal(1000);
  });

  it("has npm start and npm run dev run the CMD's node command, its flags included", () => {
    const stages = parseDockerfile(DOCKERFILE);
    const cmd = execForm(lastInstruction(stages[stages.length - 1], 'CMD'));
    expect(cmd, 'an exec-form CMD').to.be.an('array');
    const command = cmd!.join(' ');
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).to.equal(`npm run build && ${command}`);
    expect(scripts.dev).to.equal(`npm run build && LOG_LEVEL=debug ${command} | pino-pretty`);
  });

  it('keep node_modules, build output, data files, tests and git out of the build context', () => {
    expect(dockerignoreProblems(DOCKERIGNORE)).to.deep.equal([]);
    // Nothing a COPY from the context needs is ignored.
    const ignored = DOCKERIGNORE.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const stage of parseDockerfile(DOCKERFILE)) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY' && !i.flags.from)) {
        for (const source of copy.args.slice(0, -1)) expect(ignored, `COPY ${source}`).not.to.include(source);
      }
    }
  });

  describe('the checks fail on a broken copy', () => {
    const broken = (from: string | RegExp, to: string) => {
      const text = DOCKERFILE.replace(from, to);
      expect(text, 'the replacement applies').not.to.equal(DOCKERFILE);
      return dockerfileProblems(text, facts);
    };

    it('a shell-form CMD, or npm in front of node', () => {
      expect(broken(/^CMD .*$/m, 'CMD node dist/src/infrastructure/main.js')).to.deep.equal([
        'CMD must be in exec form (CMD ["node", "..."]): the shell form puts sh in front of node, and SIGTERM never reaches it',
      ]);
      expect(broken(/^CMD .*$/m, 'CMD ["npm", "start"]')).to.include('CMD ["npm","start"]: start node itself; npm and shells do not pass SIGTERM on');
    });

    it('a CMD target that the build does not produce', () => {
      expect(broken('dist/src/infrastructure/main.js', 'dist/src/main.js')).to.deep.equal([
        'CMD runs dist/src/main.js, which npm run build does not produce (no src/main.ts)',
      ]);
    });

    it('root, a port the app does not listen on, a health check on the readiness route', () => {
      expect(broken('USER 1000:1000', 'USER node')).to.deep.equal([
        'USER node: use a numeric non-root uid (Kubernetes can only check runAsNonRoot against a number)',
      ]);
      expect(broken('EXPOSE 3000', 'EXPOSE 8080')).to.deep.equal(['EXPOSE 8080: the app listens on 3000']);
      expect(broken("'/health/live'", "'/health'")).to.deep.equal(['HEALTHCHECK must check liveness (/health/live), which needs no storage']);
    });

    it('unpinned or mismatched base images, dev dependencies at run time', () => {
      expect(broken('FROM node:24.11.1-bookworm AS build', 'FROM node:24 AS build')).to.include(
        'FROM node:24: pin an official Node.js image to a release and Debian version, e.g. node:24.11.1-bookworm-slim',
      );
      expect(broken('FROM node:24.11.1-bookworm AS build', 'FROM node:20.20.2-bullseye AS build')[0]).to.match(/different Node\.js releases or Debian versions/);
      expect(broken('npm prune --omit=dev --no-audit --no-fund', 'true')).to.deep.equal([
        'the runtime must get production dependencies only (npm prune --omit=dev or npm ci --omit=dev)',
      ]);
    });

    it('a .dockerignore that lets node_modules or data files in', () => {
      expect(dockerignoreProblems(DOCKERIGNORE.replace(/^node_modules$/m, '').replace(/^data$/m, ''))).to.deep.equal([
        '.dockerignore does not exclude node_modules',
        '.dockerignore does not exclude data',
      ]);
    });
  });
});

/**
 * Replays the Dockerfile on this machine, without Docker: each stage is a folder; COPY copies
 * from the repository or an earlier stage's folder; RUN steps run as written in the stage's
 * WORKDIR, except `npm ci`, whose result (this checkout's node_modules, installed by npm ci from
 * the same package-lock.json) is copied instead of installed again. A RUN step the replay does
 * not know fails the test, so the replay cannot silently drift from the Dockerfile.
 */
function replay(stages: DockerStage[], work: string): Map<string, { root: string; workdir: string }> {
  const done = new Map<string, { root: string; workdir: string }>();
  const asRoot = process.getuid?.() === 0;
  stages.forEach((stage, index) => {
    const root = path.join(work, stage.name ?? `stage-${index}`);
    mkdirSync(root, { recursive: true });
    let workdir = '/';
    const inStage = (p: string) => path.join(root, path.posix.resolve(workdir, p));
    for (const instruction of stage.instructions) {
      switch (instruction.keyword) {
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, instruction.content);
          mkdirSync(inStage('.'), { recursive: true });
          break;
        case 'COPY': {
          const sources = instruction.args.slice(0, -1);
          const destination = instruction.args[instruction.args.length - 1];
          const from = instruction.flags.from ? done.get(instruction.flags.from) : undefined;
          if (instruction.flags.from && !from) throw new Error(`COPY --from=${instruction.flags.from}: no such earlier stage`);
          for (const source of sources) {
            const sourcePath = from ? path.join(from.root, source) : path.join(ROOT, source);
            const target = destination.endsWith('/') ? path.join(inStage(destination), path.basename(source)) : inStage(destination);
            mkdirSync(path.dirname(target), { recursive: true });
            cpSync(sourcePath, target, { recursive: true, verbatimSymlinks: true });
            if (instruction.flags.chown && asRoot) {
              const [uid, gid] = instruction.flags.chown.split(':').map(Number);
              chownTree(target, uid, gid ?? uid);
            }
          }
          break;
        }
        case 'RUN':
          for (const command of instruction.content.split('&&').map((c) => c.trim())) {
            if (/^npm ci\b/.test(command)) {
              expect(readFileSync(inStage('package-lock.json'), 'utf8'), 'npm ci installs this lockfile').to.equal(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
              cpSync(path.join(ROOT, 'node_modules'), inStage('node_modules'), { recursive: true, verbatimSymlinks: true });
            } else if (/^(npm run build|npm prune --omit=dev\b.*|mkdir -p [\w./-]+)$/.test(command)) {
              // npm_config_offline: the prune works from what is there, as in the image.
              const result = spawnSync('sh', ['-c', command], { cwd: inStage('.'), encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } });
              expect(result.status, `RUN ${command}\n${result.stdout}${result.stderr}`).to.equal(0);
            } else {
              throw new Error(`the replay does not know how to run "${command}": teach it, so the test keeps mirroring the Dockerfile`);
            }
          }
          break;
        default:
          break; // ENV, USER, EXPOSE, HEALTHCHECK, CMD, STOPSIGNAL: read below; they change no files.
      }
    }
    done.set(stage.name ?? String(index), { root, workdir });
  });
  return done;
}

function chownTree(target: string, uid: number, gid: number): void {
  lchownSync(target, uid, gid);
  if (statSync(target).isDirectory()) for (const entry of readdirSync(target)) chownTree(path.join(target, entry), uid, gid);
}

interface Started {
  readonly exited: Promise<number | null>;
  output(): string;
  kill(): void;
}

/** Runs a command as the image would: its WORKDIR, its ENV plus the given environment, its USER when the tests run as root. */
function run(argv: string[], cwd: string, env: Record<string, string>, uid: number): Started {
  const asRoot = process.getuid?.() === 0;
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid, gid: uid } : {}),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { exited: once(child, 'exit').then(([code]) => code as number | null), output: () => output, kill: () => child.kill('SIGTERM') };
}

describe('the image, replayed without Docker: production dependencies only, started as CMD starts it', function () {
  // Copies node_modules, compiles and prunes: well under a minute, with room for a slow machine.
  this.timeout(240_000);
  const stages = parseDockerfile(DOCKERFILE);
  const runtime = stages[stages.length - 1];
  const uid = dockerfileUser(stages)!.uid;
  let work: string;
  let app: string;
  let service: Started | undefined;

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'increment-image-'));
    chmodSync(work, 0o755); // readable by the image's user, as the image's files are
    const built = replay(stages, work);
    const last = built.get(runtime.name!)!;
    app = path.join(last.root, last.workdir);
  });

  after(async () => {
    if (service) {
      service.kill();
      await service.exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('holds the compiled output and production dependencies, and nothing else', () => {
    expect(readdirSync(app).sort()).to.deep.equal(['data', 'dist', 'node_modules', 'package.json']);
    expect(readdirSync(path.join(app, 'dist')).sort()).to.deep.equal(['src', 'web']);
    const cmd = execForm(lastInstruction(runtime, 'CMD'))!;
    const script = cmd.at(-1)!;
    expect(existsSync(path.join(app, script)), `CMD target ${script}`).to.equal(true);
    const installed = JSON.parse(readFileSync(path.join(app, 'node_modules', '.package-lock.json'), 'utf8')).packages as Record<string, { dev?: boolean }>;
    const dev = Object.entries(installed).filter(([, p]) => p.dev).map(([name]) => name);
    expect(dev, 'dev dependencies in the runtime').to.deep.equal([]);
    for (const name of ['typescript', 'mocha', 'kubernetes-models', 'esbuild', 'playwright-core']) expect(existsSync(path.join(app, 'node_modules', name)), name).to.equal(false);
    for (const name of Object.keys(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies)) {
      expect(existsSync(path.join(app, 'node_modules', name)), name).to.equal(true);
    }
  });

  it('starts with the CMD, as the image\'s user, with its default storage, and answers 200 on /health/live', async () => {
    const cmd = execForm(lastInstruction(runtime, 'CMD'))!;
    const port = await freePort();
    // The image's defaults (SQLite in ./data, owned by the image's user) with only the address pinned to loopback.
    service = run(cmd, app, { ...stageEnv(runtime), HOST: '127.0.0.1', PORT: String(port) }, uid);
    let exited = false;
    void service.exited.then(() => (exited = true));
    await waitFor(() => exited || service!.output().includes('"listening"'));
    expect(exited, service.output()).to.equal(false);
    const url = `http://127.0.0.1:${port}`;
    expect((await request(url, 'GET', '/health/live', {}, conformsToOpenApi)).status).to.equal(200);
    // Readiness too: the native SQLite module loads from the pruned node_modules and data/ is writable.
    const health = await request(url, 'GET', '/health', {}, conformsToOpenApi);
    expect(health.status, health.text).to.equal(200);
    expect(service.output()).to.contain('"storage":"sqlite"');
    // And bcrypt's native module: a registration and a first integer.
    const registered = await request(url, 'POST', '/v1/register', { body: { email: 'image@example.com', password: 'correct horse' } }, conformsToOpenApi);
    expect(registered.status, registered.text).to.equal(201);
    const next = await request(url, 'GET', '/v1/next', { headers: { Authorization: `Bearer ${registered.body.data.attributes.apiKey}` } }, conformsToOpenApi);
    expect(next.body.data.attributes.value).to.equal(1);
    // And the web page, built into the image rather than fetched from anywhere.
    const page = await request(url, 'GET', '/', {}, conformsToOpenApi);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('<script type="module" src="/app.js">');
    expect((await request(url, 'GET', '/app.js', {}, conformsToOpenApi)).status).to.equal(200);

    // The HEALTHCHECK command, run as Docker runs it (in the container, with its environment), passes.
    const healthcheck = execForm(lastInstruction(runtime, 'HEALTHCHECK'))!;
    const check = spawnSync(healthcheck[0], healthcheck.slice(1), { cwd: app, env: { PATH: process.env.PATH, ...stageEnv(runtime), PORT: String(port) }, timeout: 10_000 });
    expect(check.status, 'HEALTHCHECK while serving').to.equal(0);

    // SIGTERM, which is what `docker stop` and Kubernetes send to PID 1, stops it cleanly.
    service.kill();
    expect(await service.exited).to.equal(0);
    expect(service.output()).to.contain('"stopped"');
    service = undefined;
    const after = spawnSync(healthcheck[0], healthcheck.slice(1), { cwd: app, env: { PATH: process.env.PATH, PORT: String(port) }, timeout: 10_000 });
    expect(after.status, 'HEALTHCHECK once stopped').to.not.equal(0);
  });

  it('runs every command the Kubernetes manifests give the API image (the init container\'s wait-for-storage)', async () => {
    const commands = new Set<string>();
    for (const m of [...loadManifests(KUBERNETES_DIR), ...loadManifests(KUBERNETES_HA_DIR)]) {
      const spec = m.doc.spec?.template?.spec;
      for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])] as Yaml[]) {
        if (c.image === facts.image && c.command) commands.add(JSON.stringify(c.command));
      }
    }
    expect(commands.size).to.be.greaterThan(0);
    for (const command of commands) {
      const argv = JSON.parse(command) as string[];
      const started = run(argv, app, { ...stageEnv(runtime), STORAGE: 'memory' }, uid);
      expect(await started.exited, `${argv.join(' ')}\n${started.output()}`).to.equal(0);
    }
  });
});

describe('wait-for-storage (the API pods\' init container)', function () {
  this.timeout(30_000);
  const WAIT = path.join(path.dirname(MAIN), 'wait-for-storage.js');

  it('has nothing to wait for with memory or SQLite storage', async () => {
    const started = run(['node', WAIT], ROOT, { STORAGE: 'memory' }, process.getuid?.() ?? 0);
    expect(await started.exited).to.equal(0);
    expect(started.output()).to.contain('nothing to wait for');
  });

  it('keeps trying an unreachable MongoDB, then gives up with exit 1, never logging the URL\'s password', async () => {
    const port = await freePort();
    const started = run(['node', WAIT, '--timeout=2'], ROOT, { MONGODB_URL: `mongodb://increment:s3cret-pw@127.0.0.1:${port}/?directConnection=true` }, process.getuid?.() ?? 0);
    expect(await started.exited).to.equal(1);
    expect(started.output()).to.contain('storage not ready yet');
    expect(started.output()).to.contain('storage did not become ready in time');
    expect(started.output()).not.to.contain('s3cret-pw');
  });

  it('refuses bad configuration with exit 2, as the service does', async () => {
    const started = run(['node', WAIT], ROOT, { STORAGE: 'mongodb' }, process.getuid?.() ?? 0);
    expect(await started.exited).to.equal(2);
    expect(started.output()).to.contain('MONGODB_URL is required');
  });

  it('stops at once on a malformed MONGODB_URL, with exit 2, without quoting its password', async () => {
    const started = run(['node', WAIT], ROOT, { MONGODB_URL: 'mongodb://increment:s3cret-pw@/thinkific_challenge' }, process.getuid?.() ?? 0);
    expect(await started.exited).to.equal(2);
    expect(started.output()).to.contain('MONGODB_URL is malformed');
    expect(started.output()).to.contain('mongodb://[redacted]@/thinkific_challenge');
    expect(started.output()).not.to.contain('s3cret-pw');
  });
});
