/**
 * Reads the deployment files (Kubernetes manifests, docker-compose.yml, Dockerfile) into plain
 * data the checks work on, and gathers the facts about the application they are checked against.
 */
import { DockerfileParser } from 'dockerfile-ast';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { openApiDocument } from '../../src/adapters/http/openapi';
import { CONFIG_VARIABLES, parseConfig } from '../../src/infrastructure/config';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const KUBERNETES_DIR = path.join(ROOT, 'kubernetes');
export const KUBERNETES_HA_DIR = path.join(ROOT, 'kubernetes', 'ha');

/** Parsed YAML: any shape, checked field by field. */
export type Yaml = any;

export interface Manifest {
  /** File name relative to the repository root. */
  readonly file: string;
  readonly doc: Yaml;
}

/** What the deployment files must agree with, taken from the application itself. */
export interface AppFacts {
  /** The API image: the same reference in every manifest and in docker-compose.yml. */
  readonly image: string;
  /** Repositories of the other images the files may use (each pinned to a version). */
  readonly otherImageRepositories: readonly string[];
  /** The port the service listens on when PORT is not set. */
  readonly defaultPort: number;
  /** The environment variables the service reads. */
  readonly configVariables: readonly string[];
  /** Paths the app answers GET on. */
  readonly getRoutes: readonly string[];
  /** Liveness: answers without touching storage. */
  readonly livenessPath: string;
  /** Readiness: pings storage, 503 when it is down. */
  readonly readinessPath: string;
  /** The numeric user the image runs as (USER in the Dockerfile). */
  readonly uid: number;
}

export function packageVersion(): string {
  return JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
}

export function appFacts(): AppFacts {
  const user = dockerfileUser(parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')));
  return {
    image: `increment-api:${packageVersion()}`,
    otherImageRepositories: ['mongo'],
    defaultPort: parseConfig({}).port,
    configVariables: CONFIG_VARIABLES,
    getRoutes: Object.entries(openApiDocument.paths as Record<string, object>)
      .filter(([, operations]) => 'get' in operations)
      .map(([route]) => route),
    livenessPath: '/health/live',
    readinessPath: '/health',
    uid: user?.uid ?? -1,
  };
}

/** Every YAML file of a folder (not its subfolders), each document with its file name. Kustomization files are left out. */
export function loadManifests(dir: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && !/^kustomization\.ya?ml$/.test(n)).sort()) {
    manifests.push(...parseManifests(path.relative(ROOT, path.join(dir, name)), readFileSync(path.join(dir, name), 'utf8')));
  }
  return manifests;
}

/**
 * Parses YAML the way kubectl does (YAML 1.1: 0440 is octal). A syntax error or warning
 * throws, naming the file.
 */
export function parseManifests(file: string, text: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const document of parseAllDocuments(text, { version: '1.1', uniqueKeys: true })) {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) throw new Error(`${file}: ${problems.map((p) => p.message).join('; ')}`);
    const doc = document.toJS();
    if (doc !== null && doc !== undefined) manifests.push({ file, doc });
  }
  return manifests;
}

export function loadKustomization(dir: string): Yaml {
  return parseYaml(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'), 'kustomization.yaml');
}

export function parseYaml(text: string, file: string): Yaml {
  const document = parseDocument(text, { uniqueKeys: true });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) throw new Error(`${file}: ${problems.map((p) => p.message).join('; ')}`);
  return document.toJS();
}

export function loadCompose(): Yaml {
  return parseYaml(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), 'docker-compose.yml');
}

// ---- Dockerfile --------------------------------------------------------------------------

export interface DockerInstruction {
  readonly keyword: string;
  /** The arguments as written, line continuations joined. */
  readonly content: string;
  /** Words of the arguments. */
  readonly args: string[];
  /** --name=value flags (COPY --from, RUN --mount, HEALTHCHECK --interval). */
  readonly flags: Record<string, string>;
}

export interface DockerStage {
  readonly name?: string;
  readonly image: string;
  readonly instructions: DockerInstruction[];
}

export function parseDockerfile(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    const flags: Record<string, string> = {};
    const withFlags = instruction as unknown as { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
    for (const flag of withFlags.getFlags?.() ?? []) flags[flag.getName()] = flag.getValue() ?? '';
    const parsed: DockerInstruction = {
      keyword,
      content: instruction.getArgumentsContent() ?? '',
      args: instruction.getArguments().map((a) => a.getValue()),
      flags,
    };
    if (keyword === 'FROM') {
      const [image, as, name] = parsed.args;
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(parsed);
    }
  }
  return stages;
}

/** The exec-form array of CMD, ENTRYPOINT or HEALTHCHECK CMD, or undefined for the shell form. */
export function execForm(instruction: DockerInstruction | undefined): string[] | undefined {
  if (!instruction) return undefined;
  const content = instruction.keyword === 'HEALTHCHECK' ? instruction.content.replace(/^CMD\s+/i, '') : instruction.content;
  try {
    const value = JSON.parse(content);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

export function lastInstruction(stage: DockerStage | undefined, keyword: string): DockerInstruction | undefined {
  return stage?.instructions.filter((i) => i.keyword === keyword).pop();
}

export function dockerfileUser(stages: DockerStage[]): { uid: number; gid?: number; raw: string } | undefined {
  const user = lastInstruction(stages[stages.length - 1], 'USER');
  if (!user) return undefined;
  const [uid, gid] = user.content.trim().split(':');
  return { uid: /^\d+$/.test(uid) ? Number(uid) : NaN, gid: gid !== undefined && /^\d+$/.test(gid) ? Number(gid) : undefined, raw: user.content };
}

/** ENV of a stage as a map (KEY=value form). */
export function stageEnv(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const arg of instruction.args) {
      const eq = arg.indexOf('=');
      if (eq > 0) env[arg.slice(0, eq)] = arg.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

// ---- MongoDB connection strings ------------------------------------------------------------

export interface MongoUrl {
  readonly username?: string;
  readonly hosts: string[];
  readonly database: string;
  readonly options: Record<string, string>;
}

/** Parses mongodb:// URLs, which may list several hosts (new URL() cannot). */
export function parseMongoUrl(url: string): MongoUrl | undefined {
  const match = /^mongodb:\/\/(?:([^:@/]+)(?::[^@]*)?@)?([^/?]+)\/?([^?]*)(?:\?(.*))?$/.exec(url);
  if (!match) return undefined;
  const options: Record<string, string> = {};
  for (const pair of (match[4] ?? '').split('&').filter(Boolean)) {
    const [key, value = ''] = pair.split('=');
    options[key] = decodeURIComponent(value);
  }
  return { username: match[1], hosts: match[2].split(','), database: match[3], options };
}
