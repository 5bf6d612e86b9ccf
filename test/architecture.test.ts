import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs the project's dependency-cruiser rules over a small tree of files and returns its report. */
function cruise(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'increment-arch-'));
  try {
    copyFileSync(path.join(ROOT, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', esModuleInterop: true } }));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'depcruise'), ['src', '--config', '.dependency-cruiser.cjs'], {
      cwd: dir,
      encoding: 'utf8',
    });
    return { status: result.status, output: result.stdout + result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the dependency rules (npm run lint:architecture)', function () {
  this.timeout(60_000);

  it('pass for a tree that keeps to the layers', () => {
    const result = cruise({
      'src/domain/counter.ts': 'export const MAX = 1;\n',
      'src/application/next.use-case.ts': "import { MAX } from '../domain/counter';\nexport const next = () => MAX;\n",
      'src/adapters/http/app.ts': "import Koa from 'koa';\nimport { next } from '../../application/next.use-case';\nexport const app = () => [new Koa(), next];\n",
    });
    expect(result.status, result.output).to.equal(0);
  });

  it('fail when the domain imports a node built-in', () => {
    const result = cruise({ 'src/domain/key.ts': "import { createHash } from 'node:crypto';\nexport const h = createHash;\n" });
    expect(result.status).not.to.equal(0);
    expect(result.output).to.contain('domain-is-pure');
  });

  it('fail when a use case imports koa, or an adapter', () => {
    const result = cruise({
      'src/application/leak.use-case.ts': "import Koa from 'koa';\nexport const k = Koa;\n",
      'src/application/reach.use-case.ts': "import { a } from '../adapters/http/app';\nexport const b = a;\n",
      'src/adapters/http/app.ts': 'export const a = 1;\n',
    });
    expect(result.status).not.to.equal(0);
    expect(result.output).to.contain('frameworks-stay-at-the-edge');
    expect(result.output).to.match(/application-depends-on-domain-only[\s\S]*reach\.use-case/);
  });

  it('fail when an adapter reaches into the composition root', () => {
    const result = cruise({
      'src/adapters/http/app.ts': "import { TOKENS } from '../../infrastructure/tokens';\nexport const t = TOKENS;\n",
      'src/infrastructure/tokens.ts': 'export const TOKENS = {};\n',
    });
    expect(result.status).not.to.equal(0);
    expect(result.output).to.contain('adapters-do-not-know-the-composition-root');
  });
});
