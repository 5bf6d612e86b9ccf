import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs the project's dependency-cruiser rules over a small tree of files and returns its report. */
function cruise(files: Record<string, string>, roots = ['src']): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'increment-arch-'));
  try {
    copyFileSync(path.join(ROOT, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', esModuleInterop: true } }));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'depcruise'), [...roots, '--config', '.dependency-cruiser.cjs'], {
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

  it('let the web page bundle the domain, and fail when it reaches for a server layer or a package', () => {
    const domainOnly = cruise(
      {
        'src/domain/user.ts': 'export const Email = 1;\n',
        'web/src/rules.ts': "import { Email } from '../../src/domain/user';\nexport const e = Email;\n",
      },
      ['src', 'web/src'],
    );
    expect(domainOnly.status, domainOnly.output).to.equal(0);
    const result = cruise(
      {
        'src/adapters/http/json-api.ts': 'export const J = 1;\n',
        'web/src/api.ts': "import { J } from '../../src/adapters/http/json-api';\nimport Koa from 'koa';\nexport const j = [J, Koa];\n",
      },
      ['src', 'web/src'],
    );
    expect(result.status).not.to.equal(0);
    expect(result.output).to.match(/web-page-uses-only-the-domain[\s\S]*web-page-uses-only-the-domain/);
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
