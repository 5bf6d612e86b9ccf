import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));

describe('npm ci (quiet and consented)', function () {
  const manifest = read('package.json') as { allowScripts?: Record<string, boolean>; scarfSettings?: { enabled?: boolean } };

  it('has a decision in allowScripts for every installed package with an install script, so npm 11 warns about none', function () {
    const lock = read('package-lock.json') as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts, 'the lock file names packages with install scripts').to.include('better-sqlite3');
    expect(withScripts.filter((name) => typeof manifest.allowScripts?.[name] !== 'boolean')).to.deep.equal([]);
  });

  it('runs the native builds it needs and nothing else', function () {
    expect(manifest.allowScripts).to.include({ bcrypt: true, 'better-sqlite3': true, esbuild: true, '@scarf/scarf': false });
  });

  it("turns Scarf's install analytics off (swagger-ui-dist pulls @scarf/scarf in)", function () {
    // scarf-js reads this from the project's package.json: "As a user of a package using scarf-js, how can I opt out".
    expect(manifest.scarfSettings).to.deep.equal({ enabled: false });
  });
});
