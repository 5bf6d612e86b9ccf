/**
 * Offline checks of the Dockerfile and .dockerignore, as lists of problems.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppFacts, dockerfileUser, DockerStage, execForm, lastInstruction, parseDockerfile, ROOT } from './deployment-files';

/** node:24.11.1-bookworm-slim → { major: 24, version: '24.11.1', distro: 'bookworm', slim: true } */
function nodeImage(image: string): { major: number; version: string; distro: string; slim: boolean } | undefined {
  const match = /^node:((\d+)\.\d+\.\d+)-(bookworm|bullseye|trixie)(-slim)?(@sha256:[0-9a-f]{64})?$/.exec(image);
  return match ? { major: Number(match[2]), version: match[1], distro: match[3], slim: Boolean(match[4]) } : undefined;
}

export function dockerfileProblems(text: string, facts: AppFacts): string[] {
  const problems: string[] = [];
  const stages = parseDockerfile(text);
  if (stages.length < 2) return ['a multi-stage build is needed: a build stage with dev dependencies and a runtime stage'];
  const runtime = stages[stages.length - 1];
  const stageNames = stages.map((s) => s.name).filter(Boolean);

  // Base images: Node.js LTS, pinned to a release, the same release and Debian in every stage.
  const bases = stages.filter((s) => !stageNames.includes(s.image)).map((s) => ({ stage: s, node: nodeImage(s.image) }));
  for (const { stage, node } of bases) {
    if (!node) problems.push(`FROM ${stage.image}: pin an official Node.js image to a release and Debian version, e.g. node:24.11.1-bookworm-slim`);
    else if (node.major % 2 !== 0) problems.push(`FROM ${stage.image}: Node.js ${node.major} is not an LTS line`);
  }
  const versions = new Set(bases.map((b) => (b.node ? `${b.node.version}-${b.node.distro}` : b.stage.image)));
  if (versions.size > 1) problems.push(`the stages use different Node.js releases or Debian versions (${[...versions].join(', ')}): native modules built in one must run in the other`);
  if (!nodeImage(runtime.image)?.slim) problems.push(`the runtime stage should start from a -slim image, not ${runtime.image}`);

  // Dependencies: installed from the lockfile with dev dependencies to build, without them to run.
  const runs = (stage: DockerStage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.content);
  const all = stages.flatMap(runs).join('\n');
  if (!/\bnpm ci\b/.test(all)) problems.push('dependencies must be installed with npm ci (exactly the lockfile)');
  if (!/\bnpm (prune|ci)\b[^\n&]*--omit=dev/.test(all)) problems.push('the runtime must get production dependencies only (npm prune --omit=dev or npm ci --omit=dev)');
  for (const command of runs(runtime)) {
    if (/\bnpm (ci|install|i)\b/.test(command) && !/--omit=dev/.test(command)) problems.push(`runtime stage: "${command}" installs dev dependencies`);
    if (/\bnpm run build\b|\btsc\b/.test(command)) problems.push(`runtime stage: "${command}" compiles; copy the build stage's output instead`);
  }
  for (const copy of runtime.instructions.filter((i) => i.keyword === 'COPY' && !i.flags.from)) {
    problems.push(`runtime stage: COPY ${copy.content} copies from the build context; the runtime takes only the build stage's output`);
  }

  // The runtime: an unprivileged numeric user, the app's port, a liveness health check, exec-form CMD.
  const user = dockerfileUser(stages);
  if (!user) problems.push('the runtime stage has no USER: it would run as root');
  else if (!Number.isInteger(user.uid) || user.uid === 0) problems.push(`USER ${user.raw}: use a numeric non-root uid (Kubernetes can only check runAsNonRoot against a number)`);
  const exposed = runtime.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.map((a) => Number(a.split('/')[0])));
  if (!exposed.includes(facts.defaultPort)) problems.push(`EXPOSE ${exposed.join(' ') || '(none)'}: the app listens on ${facts.defaultPort}`);
  const healthcheck = execForm(lastInstruction(runtime, 'HEALTHCHECK'));
  if (!healthcheck) problems.push('HEALTHCHECK must be in exec form: HEALTHCHECK CMD ["node", ...]');
  else if (!healthcheck.join(' ').includes(`'${facts.livenessPath}'`)) problems.push(`HEALTHCHECK must check liveness (${facts.livenessPath}), which needs no storage`);
  if (lastInstruction(runtime, 'ENTRYPOINT') && !execForm(lastInstruction(runtime, 'ENTRYPOINT'))) problems.push('ENTRYPOINT must be in exec form');
  const stopSignal = lastInstruction(runtime, 'STOPSIGNAL')?.content;
  if (stopSignal && stopSignal !== 'SIGTERM') problems.push(`STOPSIGNAL ${stopSignal}: the service shuts down gracefully on SIGTERM`);
  const cmd = execForm(lastInstruction(runtime, 'CMD'));
  if (!cmd) problems.push('CMD must be in exec form (CMD ["node", "..."]): the shell form puts sh in front of node, and SIGTERM never reaches it');
  else {
    if (cmd[0] !== 'node') problems.push(`CMD ${JSON.stringify(cmd)}: start node itself; npm and shells do not pass SIGTERM on`);
    // Node's own flags (--single-threaded-gc) come before the script.
    const target = cmd.slice(1).find((argument) => !argument.startsWith('-')) ?? '';
    // The build (tsconfig.build.json: rootDir ".", outDir "dist") turns src/x.ts into dist/src/x.js.
    const source = target.replace(/^(\.\/)?dist\//, '').replace(/\.js$/, '.ts');
    if (!/^(\.\/)?dist\/src\/.+\.js$/.test(target) || !existsSync(path.join(ROOT, source))) {
      problems.push(`CMD runs ${target}, which npm run build does not produce (no ${source})`);
    }
    const copiesIt = runtime.instructions.some((i) => i.keyword === 'COPY' && i.flags.from && i.args.slice(-1)[0].replace(/^\.\//, '') !== '' && target.replace(/^\.\//, '').startsWith(i.args.slice(-1)[0].replace(/^\.\//, '')));
    if (!copiesIt) problems.push(`CMD runs ${target}, which the runtime stage does not copy from the build stage`);
  }
  return problems;
}

/** The paths .dockerignore must keep out of the build context. */
export const MUST_IGNORE = ['node_modules', 'dist', 'data', 'test', '.git'];

export function dockerignoreProblems(text: string): string[] {
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.replace(/^\/|\/$/g, ''));
  return MUST_IGNORE.filter((entry) => !entries.includes(entry)).map((entry) => `.dockerignore does not exclude ${entry}`);
}
