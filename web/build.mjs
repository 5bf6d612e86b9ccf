// Builds the web page into dist/web: the TypeScript (with the domain rules it imports) bundled
// into one ES module by esbuild, next to the static files of web/public. No CDN, no runtime deps.
import { build } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web`;

rmSync(out, { recursive: true, force: true });
cpSync(`${root}web/public`, out, { recursive: true });
await build({
  entryPoints: [`${root}web/src/main.ts`],
  outfile: `${out}/app.js`,
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
