import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { appFacts, KUBERNETES_DIR, KUBERNETES_HA_DIR, loadCompose, loadManifests, parseYaml, ROOT, Yaml } from './deployment-files';
import { composeProblems, lintCompose, lintComposeFile } from './compose-checks';

const facts = appFacts();
const COMPOSE = path.join(ROOT, 'docker-compose.yml');
const text = readFileSync(COMPOSE, 'utf8');

describe('docker-compose.yml', function () {
  this.timeout(30_000);
  const compose = loadCompose();

  it('is valid against the Compose specification and passes dclint\'s rules', () => {
    expect(lintComposeFile(COMPOSE)).to.deep.equal([]);
  });

  it('agrees with the app: image, environment names, port, MongoDB replica set and health-based startup order', () => {
    expect(composeProblems(compose, facts)).to.deep.equal([]);
  });

  it('uses the images the Kubernetes manifests use', () => {
    const images = new Set(
      [...loadManifests(KUBERNETES_DIR), ...loadManifests(KUBERNETES_HA_DIR)].flatMap((m) =>
        [...(m.doc.spec?.template?.spec?.containers ?? []), ...(m.doc.spec?.template?.spec?.initContainers ?? [])].map((c: Yaml) => c.image as string),
      ),
    );
    for (const service of Object.values(compose.services) as Yaml[]) expect([...images]).to.include(service.image);
  });

  describe('the checks fail on a broken copy', () => {
    const broken = (change: (copy: Yaml) => void) => {
      const copy = structuredClone(compose);
      change(copy);
      return composeProblems(copy, facts);
    };

    it('an environment variable the app does not read', () => {
      expect(broken((c) => (c.services.api.environment.MONGO_URL = 'mongodb://mongodb:27017'))).to.deep.equal([
        `services.api.environment: MONGO_URL is not a configuration variable the app reads (${facts.configVariables.join(', ')})`,
      ]);
    });

    it('a published port that is not the one the app listens on', () => {
      expect(broken((c) => (c.services.api.environment.PORT = '8080'))).to.deep.equal([
        'services.api.ports: "127.0.0.1:3000:3000" does not publish the port the app listens on (8080)',
      ]);
    });

    it('starting the API before MongoDB is healthy', () => {
      expect(broken((c) => (c.services.api.depends_on.mongodb.condition = 'service_started'))).to.deep.equal([
        'services.api.depends_on.mongodb: must wait for condition: service_healthy',
      ]);
      expect(broken((c) => delete c.services.mongodb.healthcheck)).to.include('services.mongodb: has no health check for api to wait on');
    });

    it('a connection string that misses the replica set or majority writes, or another image', () => {
      expect(broken((c) => (c.services.api.environment.MONGODB_URL = 'mongodb://mongodb:27017/?replicaSet=rs1'))).to.deep.equal([
        "services.api.environment: MONGODB_URL replicaSet=rs1 is not mongod's --replSet rs0",
        'services.api.environment: MONGODB_URL must ask for majority writes (w=majority)',
      ]);
      expect(broken((c) => (c.services.api.image = 'increment-api:latest'))).to.deep.equal(['services.api: image increment-api:latest is not the API image increment-api:1.0.0']);
      expect(broken((c) => (c.services.mongodb.image = 'mongo:latest'))).to.deep.equal(['services.mongodb: image mongo:latest is not pinned to a version']);
    });

    it('a file the Compose specification or dclint refuses', () => {
      const misspelt = lintCompose(text.replace('condition: service_healthy', 'condition: service_healty'));
      expect(misspelt.join('\n')).to.contain('invalid-schema');
      const buildAndPull = lintCompose(text.replace(/\n *# Built from this checkout.*\n *pull_policy: build/, ''));
      expect(buildAndPull.join('\n')).to.contain('no-build-and-image');
      expect(() => parseYaml(text.replace('  mongodb:\n    image', '  api:\n    image'), 'docker-compose.yml')).to.throw(/Map keys must be unique/);
    });
  });
});
