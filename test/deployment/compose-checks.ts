/**
 * Offline checks of docker-compose.yml: the Compose schema and lint rules (dclint, which ships the
 * Compose specification's schema), and agreement with the app. Each returns a list of problems.
 */
import { DCLinter } from 'dclint';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { AppFacts, parseMongoUrl, Yaml } from './deployment-files';

const imageRepository = (image: string) => image.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
const pinned = (image: string) => /@sha256:[0-9a-f]{64}$/.test(image) || /:[^:/]*\d+\.\d+\.\d+[^:/]*$/.test(image);

/** Schema validation and dclint's rules, on the file as written. */
export function lintComposeFile(file: string): string[] {
  const linter = new DCLinter({ rules: {}, quiet: false, debug: false, exclude: [] });
  return linter
    .lintFiles([file], false)
    .flatMap((result) => result.messages.map((m) => `${path.basename(result.filePath)}:${m.line}: ${m.rule}: ${m.message}`));
}

/** The same for Compose text that is not in the repository (a broken copy, say). */
export function lintCompose(text: string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'increment-compose-'));
  try {
    const file = path.join(dir, 'docker-compose.yml');
    writeFileSync(file, text);
    return lintComposeFile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function environmentOf(service: Yaml): Record<string, string> {
  const environment = service.environment ?? {};
  if (!Array.isArray(environment)) return Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v ?? '')]));
  return Object.fromEntries(environment.map((entry: string) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
}

/** The container side of "8080", "3000:3000", "127.0.0.1:3000:3000" or the long syntax. */
function containerPort(mapping: Yaml): number {
  if (typeof mapping === 'object') return Number(mapping.target);
  return Number(String(mapping).split(':').pop()!.split('/')[0]);
}

export function composeProblems(compose: Yaml, facts: AppFacts): string[] {
  const problems: string[] = [];
  const services: Record<string, Yaml> = compose?.services ?? {};
  const apiRepository = imageRepository(facts.image);
  const apiEntries = Object.entries(services).filter(([, s]) => typeof s.image === 'string' && imageRepository(s.image) === apiRepository);
  if (apiEntries.length !== 1) return [`expected one service with the API image ${facts.image}, found ${apiEntries.length}`];
  const [apiName, api] = apiEntries[0];

  // Images: the API image, built from this repository; the others known and pinned.
  if (api.image !== facts.image) problems.push(`services.${apiName}: image ${api.image} is not the API image ${facts.image}`);
  if (!api.build) problems.push(`services.${apiName}: must build the image from the Dockerfile (build: .)`);
  for (const [serviceName, service] of Object.entries(services).filter(([n]) => n !== apiName)) {
    const image: string = service.image ?? '';
    if (!facts.otherImageRepositories.includes(imageRepository(image))) problems.push(`services.${serviceName}: image ${image} is not one of ${facts.otherImageRepositories.join(', ')}`);
    else if (!pinned(image)) problems.push(`services.${serviceName}: image ${image} is not pinned to a version`);
  }

  // The API's environment: only what the app reads; its port is the one the app listens on.
  const environment = environmentOf(api);
  for (const key of Object.keys(environment)) {
    if (!facts.configVariables.includes(key)) problems.push(`services.${apiName}.environment: ${key} is not a configuration variable the app reads (${facts.configVariables.join(', ')})`);
  }
  const port = environment.PORT ? Number(environment.PORT) : facts.defaultPort;
  for (const mapping of api.ports ?? []) {
    if (containerPort(mapping) !== port) problems.push(`services.${apiName}.ports: ${JSON.stringify(mapping)} does not publish the port the app listens on (${port})`);
  }

  // Startup order: the API waits for every dependency's health check, never a fixed delay.
  const dependsOn = api.depends_on ?? {};
  const dependencies: Array<[string, Yaml]> = Array.isArray(dependsOn) ? dependsOn.map((d: string) => [d, {}]) : Object.entries(dependsOn);
  for (const [dependency, condition] of dependencies) {
    if (condition?.condition !== 'service_healthy') problems.push(`services.${apiName}.depends_on.${dependency}: must wait for condition: service_healthy`);
    const healthcheck = services[dependency]?.healthcheck;
    if (!healthcheck?.test || healthcheck.disable) problems.push(`services.${dependency}: has no health check for ${apiName} to wait on`);
  }

  // MongoDB: a replica set the compose health check initiates, which MONGODB_URL names.
  const mongoEntry = Object.entries(services).find(([, s]) => imageRepository(s.image ?? '') === 'mongo');
  if (!mongoEntry) return [...problems, 'no MongoDB service'];
  const [mongoName, mongo] = mongoEntry;
  if (!dependencies.some(([d]) => d === mongoName)) problems.push(`services.${apiName}: must depend on ${mongoName}`);
  const command: string[] = Array.isArray(mongo.command) ? mongo.command : String(mongo.command ?? '').split(/\s+/);
  const replicaSet = command.includes('--replSet') ? command[command.indexOf('--replSet') + 1] : undefined;
  if (!replicaSet) problems.push(`services.${mongoName}: mongod is not started as a replica set member (--replSet)`);
  const test: string[] = Array.isArray(mongo.healthcheck?.test) ? mongo.healthcheck.test : [];
  const script = test[test.indexOf('--eval') + 1] ?? '';
  try {
    new vm.Script(script);
  } catch (error) {
    problems.push(`services.${mongoName}.healthcheck: the --eval script is not valid JavaScript: ${(error as Error).message}`);
  }
  const initiated = /_id:\s*'([^']+)',\s*members:\s*\[\{\s*_id:\s*0,\s*host:\s*'([^']+)'/.exec(script);
  if (!initiated) problems.push(`services.${mongoName}.healthcheck: does not initiate the replica set`);
  else if (initiated[1] !== replicaSet) problems.push(`services.${mongoName}.healthcheck: initiates ${initiated[1]}, not mongod's --replSet ${replicaSet}`);
  const dataVolume = (mongo.volumes ?? []).map((v: Yaml) => (typeof v === 'string' ? v.split(':') : [v.source, v.target])).find(([, target]: string[]) => target === '/data/db');
  if (!dataVolume) problems.push(`services.${mongoName}: /data/db is not on a volume`);
  else if (!(dataVolume[0] in (compose.volumes ?? {}))) problems.push(`services.${mongoName}: volume ${dataVolume[0]} is not a named volume declared under volumes:`);

  const url = parseMongoUrl(environment.MONGODB_URL ?? '');
  if (!url) problems.push(`services.${apiName}.environment: MONGODB_URL is not a mongodb:// URL`);
  else {
    for (const host of url.hosts) {
      const [hostName, hostPort = '27017'] = host.split(':');
      if (hostName !== mongoName) problems.push(`services.${apiName}.environment: MONGODB_URL host ${hostName} is not the MongoDB service ${mongoName}`);
      if (hostPort !== '27017') problems.push(`services.${apiName}.environment: MONGODB_URL port ${hostPort} is not mongod's 27017`);
    }
    if (initiated && !url.hosts.includes(initiated[2])) problems.push(`services.${apiName}.environment: MONGODB_URL does not name the member the set is initiated with (${initiated[2]})`);
    if (url.options.replicaSet !== replicaSet) problems.push(`services.${apiName}.environment: MONGODB_URL replicaSet=${url.options.replicaSet} is not mongod's --replSet ${replicaSet}`);
    if (url.options.w !== 'majority') problems.push(`services.${apiName}.environment: MONGODB_URL must ask for majority writes (w=majority)`);
  }
  return problems;
}
