import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { StorageHealth } from '../../src/domain/storage-health.port';
import { TOKENS } from '../../src/infrastructure/tokens';
import { openApiDocument } from '../../src/adapters/http/openapi';
import { bearer, registerUser, startTestServer } from '../support/test-server';
import {
  appFacts,
  KUBERNETES_DIR,
  KUBERNETES_HA_DIR,
  loadKustomization,
  loadManifests,
  Manifest,
  parseMongoUrl,
  parseYaml,
  ROOT,
  Yaml,
} from './deployment-files';
import { consistencyProblems, kubernetesProblems, schemaProblems, selects, unknownFieldProblems } from './manifest-checks';

const facts = appFacts();
const single = loadManifests(KUBERNETES_DIR);
const ha = loadManifests(KUBERNETES_HA_DIR);

const find = (manifests: Manifest[], kind: string, name: string): Yaml => {
  const found = manifests.find((m) => m.doc.kind === kind && m.doc.metadata?.name === name);
  if (!found) throw new Error(`${kind}/${name} not found`);
  return found.doc;
};
const container = (workload: Yaml, name: string): Yaml =>
  [...(workload.spec.template.spec.initContainers ?? []), ...workload.spec.template.spec.containers].find((c: Yaml) => c.name === name);
const clone = (manifests: Manifest[]): Manifest[] => manifests.map((m) => ({ file: m.file, doc: structuredClone(m.doc) }));

describe('the Kubernetes manifests (kubernetes/, kubernetes/ha/)', function () {
  this.timeout(60_000);

  it('keep the seed\'s four files under their names, each creating what the seed\'s steps say it does', () => {
    const kindsOf = (file: string) => new Set(single.filter((m) => m.file === `kubernetes/${file}`).map((m) => m.doc.kind));
    expect([...kindsOf('mongodb-volume.yaml')]).to.deep.equal(['PersistentVolume']);
    expect([...kindsOf('mongodb-volume-claim.yaml')]).to.deep.equal(['PersistentVolumeClaim']);
    expect([...kindsOf('mongodb-deployment.yaml')]).to.include.members(['Deployment', 'Service']);
    expect([...kindsOf('api-deployment.yaml')]).to.include.members(['Deployment', 'Service', 'PodDisruptionBudget']);
  });

  for (const [variant, manifests] of [['kubernetes/', single], ['kubernetes/ha/', ha]] as const) {
    describe(variant, () => {
      it('validate against the Kubernetes API schemas, with stable API versions only', () => {
        expect(manifests.length).to.be.greaterThan(5);
        expect(schemaProblems(manifests)).to.deep.equal([]);
      });

      it('have no field the Kubernetes API does not know', () => {
        expect(unknownFieldProblems(manifests)).to.deep.equal([]);
      });

      it('agree with each other and with the app: selectors, ports, probes, env, images, Secrets, security, resources', () => {
        expect(consistencyProblems(manifests, facts)).to.deep.equal([]);
      });

      it('are all listed in kustomization.yaml, but for the Secret template', () => {
        const dir = path.join(ROOT, variant);
        const files = readdirSync(dir).filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml' && n !== 'secret.example.yaml');
        expect(loadKustomization(dir).resources).to.have.members(files);
        expect(existsSync(path.join(dir, 'secret.example.yaml'))).to.equal(true);
      });

      it('keep credentials out of git: the only Secrets are placeholders in secret.example.yaml', () => {
        for (const secret of manifests.filter((m) => m.doc.kind === 'Secret')) {
          expect(secret.file).to.match(/secret\.example\.yaml$/);
          for (const value of Object.values(secret.doc.stringData ?? {}) as string[]) {
            const withoutUrl = value.replace(/^mongodb:\/\/[^:]+:(<[^>]+>)@.*$/, '$1');
            expect(withoutUrl, `${secret.doc.metadata.name}`).to.match(/^<[^>]+>$/);
          }
          expect(secret.doc.data, 'no base64 data').to.equal(undefined);
        }
        // A literal value for a password, key or URL (not the path of a mounted file) is a secret in plain env.
        for (const m of manifests) {
          for (const [entry, variable] of JSON.stringify(m.doc).matchAll(/"name":"([A-Z_]*(?:PASSWORD|URL|KEY)[A-Z_]*)","value":"[^"]*"/g)) {
            if (!variable.endsWith('_FILE')) expect.fail(`${m.file}: ${entry} should come from a Secret`);
          }
        }
      });

      it('run the API as at least two pods, with a disruption budget, probes on /health/live and /health', () => {
        const api = find(manifests, 'Deployment', 'api');
        const hpa = manifests.find((m) => m.doc.kind === 'HorizontalPodAutoscaler');
        expect(hpa ? hpa.doc.spec.minReplicas : api.spec.replicas).to.be.at.least(2);
        const c = container(api, 'api');
        expect(c.livenessProbe.httpGet.path).to.equal('/health/live');
        expect(c.readinessProbe.httpGet.path).to.equal('/health');
        expect(find(manifests, 'Service', 'api').spec.type).to.be.oneOf(['LoadBalancer', 'NodePort']);
      });

      it('ship an init script and probe commands that are valid JavaScript', () => {
        const script = find(manifests, 'ConfigMap', 'mongodb-init').data['init-replica-set.js'];
        expect(() => new vm.Script(script)).not.to.throw();
        const mongod = manifests.find((m) => ['Deployment', 'StatefulSet'].includes(m.doc.kind) && m.doc.metadata.name === 'mongodb')!.doc;
        const command: string[] = container(mongod, 'mongodb').readinessProbe.exec.command;
        expect(() => new vm.Script(command[command.indexOf('--eval') + 1])).not.to.throw();
      });
    });
  }

  it('use the same init script in both variants', () => {
    expect(find(ha, 'ConfigMap', 'mongodb-init').data).to.deep.equal(find(single, 'ConfigMap', 'mongodb-init').data);
  });

  it('HA: MongoDB is a three-member replica set on separate nodes, initialised by a Job, behind a headless Service', () => {
    const set = find(ha, 'StatefulSet', 'mongodb');
    expect(set.spec.replicas).to.equal(3);
    expect(set.spec.volumeClaimTemplates).to.have.length(1);
    expect(find(ha, 'Service', set.spec.serviceName).spec.clusterIP).to.equal('None');
    const antiAffinity = set.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    expect(antiAffinity.topologyKey).to.equal('kubernetes.io/hostname');
    expect(selects(antiAffinity.labelSelector, set.spec.template.metadata.labels)).to.equal(true);
    const members = container(find(ha, 'Job', 'mongodb-init'), 'mongodb-init').env.find((e: Yaml) => e.name === 'REPLICA_SET_MEMBERS').value;
    expect(members.split(',')).to.have.length(3);
    const budget = find(ha, 'PodDisruptionBudget', 'mongodb');
    expect(budget.spec.maxUnavailable).to.equal(1);
  });

  it('HA: the API writes with w=majority to all three members, is autoscaled on CPU and spread over nodes', () => {
    const url = parseMongoUrl(find(ha, 'Secret', 'increment-api').stringData['mongodb-url'])!;
    expect(url.hosts).to.have.length(3);
    expect(url.options).to.include({ replicaSet: 'rs0', w: 'majority' });
    const hpa = find(ha, 'HorizontalPodAutoscaler', 'api');
    expect(hpa.apiVersion).to.equal('autoscaling/v2');
    expect(hpa.spec.metrics[0].resource.name).to.equal('cpu');
    const api = find(ha, 'Deployment', 'api');
    const term = api.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
    expect(term.topologyKey).to.equal('kubernetes.io/hostname');
    expect(selects(term.labelSelector, api.spec.template.metadata.labels)).to.equal(true);
    expect(container(api, 'api').resources.requests.cpu, 'the HPA measures against requests').to.be.a('string');
  });

  it('single: MongoDB keeps its data on the claimed volume and is replaced, not rolled, on update', () => {
    const mongodb = find(single, 'Deployment', 'mongodb');
    expect(mongodb.spec.strategy.type).to.equal('Recreate');
    expect(mongodb.spec.replicas).to.equal(1);
    const claim = mongodb.spec.template.spec.volumes.find((v: Yaml) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
    expect(find(single, 'PersistentVolumeClaim', claim).spec.storageClassName).to.equal(find(single, 'PersistentVolume', 'mongodb-data').spec.storageClassName);
  });

  it('name the same Secret keys as the README\'s `kubectl create secret` step', () => {
    const doc = readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\\\n/g, ' '); // shell line continuations joined, so each command is one line
    for (const [variant, manifests] of [['single', single], ['ha', ha]] as const) {
      for (const secret of manifests.filter((m) => m.doc.kind === 'Secret')) {
        const name = secret.doc.metadata.name;
        const steps = [...doc.matchAll(new RegExp(`kubectl create secret generic ${name}\\b([^\\n]*)`, 'g'))];
        expect(steps.length, `${variant}: a kubectl create secret step for ${name}`).to.be.greaterThan(0);
        for (const step of steps) {
          const keys = [...step[1].matchAll(/--from-literal=([\w.-]+)=/g)].map((k) => k[1]);
          expect(keys, `${name} in the README`).to.have.members(Object.keys(secret.doc.stringData));
        }
      }
    }
  });

  describe('the checks fail on a broken copy', () => {
    const broken = (change: (manifests: Manifest[]) => void): string[] => {
      const copy = clone(single);
      change(copy);
      return kubernetesProblems(copy, facts);
    };
    const api = (manifests: Manifest[]) => find(manifests, 'Deployment', 'api');
    const apiContainer = (manifests: Manifest[]) => container(api(manifests), 'api');

    it('reports nothing for the real manifests', () => {
      expect(kubernetesProblems(single, facts)).to.deep.equal([]);
      expect(kubernetesProblems(ha, facts)).to.deep.equal([]);
    });

    it('a Service selector that matches no pods', () => {
      const problems = broken((m) => (find(m, 'Service', 'api').spec.selector['app.kubernetes.io/name'] = 'increment'));
      expect(problems).to.deep.equal([
        'kubernetes/api-deployment.yaml: Service/api: selector {"app.kubernetes.io/name":"increment","app.kubernetes.io/part-of":"increment"} matches no pod template',
      ]);
    });

    it('a Deployment selector that does not match its own pods', () => {
      const problems = broken((m) => (api(m).spec.selector.matchLabels['app.kubernetes.io/name'] = 'api'));
      expect(problems.join('\n')).to.contain('Deployment/api: spec.selector');
    });

    it('a probe path the app does not serve', () => {
      const problems = broken((m) => (apiContainer(m).readinessProbe.httpGet.path = '/healthz'));
      expect(problems).to.include.members([
        `kubernetes/api-deployment.yaml: Deployment/api container api: readinessProbe path /healthz is not a route the app serves (${facts.getRoutes.join(', ')})`,
        'kubernetes/api-deployment.yaml: Deployment/api container api: readinessProbe must GET /health, not /healthz',
      ]);
    });

    it('a liveness probe on the readiness route (a MongoDB outage would restart every pod)', () => {
      const problems = broken((m) => (apiContainer(m).livenessProbe.httpGet.path = '/health'));
      expect(problems).to.deep.equal(['kubernetes/api-deployment.yaml: Deployment/api container api: livenessProbe must GET /health/live, not /health']);
    });

    it('a container port that is not the port the app listens on', () => {
      const problems = broken((m) => (apiContainer(m).ports[0].containerPort = 8080));
      expect(problems).to.deep.equal(['kubernetes/api-deployment.yaml: Deployment/api container api: containerPort 8080 is not the port the app listens on (3000)']);
    });

    it('a Service targetPort that no container has', () => {
      const problems = broken((m) => (find(m, 'Service', 'api').spec.ports[0].targetPort = 'web'));
      expect(problems).to.deep.equal(['kubernetes/api-deployment.yaml: Service/api: targetPort web is not a container port of kubernetes/api-deployment.yaml: Deployment/api']);
    });

    it('an environment variable the app does not read', () => {
      const problems = broken((m) => (apiContainer(m).env.find((e: Yaml) => e.name === 'MONGODB_URL').name = 'MONGO_URL'));
      expect(problems).to.include(
        `kubernetes/api-deployment.yaml: Deployment/api container api: env MONGO_URL is not a configuration variable the app reads (${facts.configVariables.join(', ')})`,
      );
    });

    it('a Secret key that the Secret does not have', () => {
      const problems = broken((m) => (apiContainer(m).env.find((e: Yaml) => e.name === 'MONGODB_URL').valueFrom.secretKeyRef.key = 'url'));
      expect(problems).to.deep.equal(['kubernetes/api-deployment.yaml: Deployment/api container api env MONGODB_URL: Secret increment-api has no key url']);
    });

    it('a ConfigMap key that the ConfigMap does not have', () => {
      const problems = broken((m) => (find(m, 'Job', 'mongodb-init').spec.template.spec.volumes[0].configMap.items[0].key = 'init.js'));
      expect(problems).to.deep.equal(['kubernetes/mongodb-deployment.yaml: Job/mongodb-init volume scripts: ConfigMap mongodb-init has no key init.js']);
    });

    it('an image that is not the API image, or not pinned', () => {
      expect(broken((m) => (container(api(m), 'wait-for-mongodb').image = 'increment-api:latest'))).to.deep.equal([
        'kubernetes/api-deployment.yaml: Deployment/api init container wait-for-mongodb: image increment-api:latest is not the API image increment-api:1.0.0',
        'images of increment-api differ: increment-api:latest, increment-api:1.0.0',
      ]);
      expect(broken((m) => (container(find(m, 'Deployment', 'mongodb'), 'mongodb').image = 'mongo:7'))).to.include(
        'kubernetes/mongodb-deployment.yaml: Deployment/mongodb container mongodb: image mongo:7 is not pinned to a version',
      );
    });

    it('a field Kubernetes does not know, and a value of the wrong type', () => {
      const misspelt = broken((m) => {
        const c = apiContainer(m);
        c.readinesProbe = c.readinessProbe;
        delete c.readinessProbe;
      });
      expect(misspelt.join('\n')).to.match(/Deployment\/api: .*'"?readinesProbe"?' does not exist in type/);
      expect(misspelt.join('\n')).to.contain('container api: has no readiness probe');
      const wrongType = broken((m) => (apiContainer(m).ports[0].containerPort = '3000'));
      expect(wrongType.join('\n')).to.contain('Deployment/api: does not match the apps/v1 Deployment schema: data/spec/template/spec/containers/0/ports/0/containerPort must be integer');
    });

    it('a removed API version', () => {
      const problems = broken((m) => (find(m, 'PodDisruptionBudget', 'api').apiVersion = 'policy/v1beta1'));
      expect(problems).to.include(
        'kubernetes/api-deployment.yaml: PodDisruptionBudget/api: apiVersion policy/v1beta1 is not a stable API version (removed or removable); use the GA version',
      );
    });

    it('a single API replica, a rolling update that drops capacity, no disruption budget', () => {
      expect(broken((m) => (api(m).spec.replicas = 1))).to.deep.equal(['kubernetes/api-deployment.yaml: Deployment/api: runs 1 pod(s); the API needs at least 2']);
      expect(broken((m) => (api(m).spec.strategy.rollingUpdate.maxUnavailable = 1))).to.deep.equal([
        'kubernetes/api-deployment.yaml: Deployment/api: rolling updates must keep every pod until its replacement is ready (maxUnavailable: 0)',
      ]);
      expect(broken((m) => m.splice(m.findIndex((x) => x.doc.kind === 'PodDisruptionBudget'), 1))).to.deep.equal([
        'kubernetes/api-deployment.yaml: Deployment/api: no PodDisruptionBudget covers its pods',
      ]);
    });

    it('a container that may write its root filesystem, escalate privileges or run as root', () => {
      expect(broken((m) => (apiContainer(m).securityContext.readOnlyRootFilesystem = false))).to.deep.equal([
        'kubernetes/api-deployment.yaml: Deployment/api container api: must set readOnlyRootFilesystem: true',
      ]);
      expect(broken((m) => delete apiContainer(m).securityContext.allowPrivilegeEscalation)).to.deep.equal([
        'kubernetes/api-deployment.yaml: Deployment/api container api: must set allowPrivilegeEscalation: false',
      ]);
      expect(broken((m) => (api(m).spec.template.spec.securityContext.runAsUser = 0)).join('\n')).to.contain(
        'Deployment/api container api: must run as non-root',
      );
      expect(broken((m) => (apiContainer(m).volumeMounts = []))).to.deep.equal([
        'kubernetes/api-deployment.yaml: Deployment/api container api: needs a writable /tmp (an emptyDir) under its read-only root filesystem',
      ]);
    });

    it('a grace period shorter than preStop plus the app\'s drain', () => {
      expect(broken((m) => (api(m).spec.template.spec.terminationGracePeriodSeconds = 10))).to.deep.equal([
        "kubernetes/api-deployment.yaml: Deployment/api: terminationGracePeriodSeconds 10 leaves no room for preStop (5 s) and the app's 10 s drain",
      ]);
    });

    it('a connection string that does not name the replica set, its members or majority writes', () => {
      const problems = broken((m) => (find(m, 'Secret', 'increment-api').stringData['mongodb-url'] = 'mongodb://increment:<p>@mongo:27017/?authSource=thinkific_challenge'));
      expect(problems).to.deep.equal([
        'kubernetes/secret.example.yaml: Secret/increment-api mongodb-url: hosts mongo:27017 are not the replica set members mongodb:27017',
        "kubernetes/secret.example.yaml: Secret/increment-api mongodb-url: replicaSet=undefined is not mongod's --replSet rs0",
        'kubernetes/secret.example.yaml: Secret/increment-api mongodb-url: must ask for majority writes (w=majority)',
      ]);
    });

    it('an HA init Job that does not list every member', () => {
      const copy = clone(ha);
      const env = container(find(copy, 'Job', 'mongodb-init'), 'mongodb-init').env.find((e: Yaml) => e.name === 'REPLICA_SET_MEMBERS');
      env.value = 'mongodb-0.mongodb:27017,mongodb-1.mongodb:27017';
      expect(consistencyProblems(copy, facts)).to.deep.equal([
        'kubernetes/ha/mongodb-statefulset.yaml: Job/mongodb-init: REPLICA_SET_MEMBERS mongodb-0.mongodb:27017,mongodb-1.mongodb:27017 are not the members\' names mongodb-0.mongodb:27017,mongodb-1.mongodb:27017,mongodb-2.mongodb:27017',
      ]);
    });
  });
});

describe('the probe paths, asked of the real app', () => {
  const probes = [...single, ...ha].flatMap((m) =>
    ['Deployment', 'StatefulSet'].includes(m.doc.kind)
      ? (m.doc.spec.template.spec.containers as Yaml[]).flatMap((c) =>
          ['startupProbe', 'livenessProbe', 'readinessProbe'].filter((k) => c[k]?.httpGet).map((k) => ({ kind: k, path: c[k].httpGet.path as string })),
        )
      : [],
  );

  for (const storageUp of [true, false]) {
    it(`answer as probes must with storage ${storageUp ? 'up' : 'down'}: liveness 200 either way, readiness 200 only when it is up`, async () => {
      expect(probes.length).to.be.greaterThan(0);
      const storage: StorageHealth = { adapter: 'fake', ping: () => (storageUp ? Promise.resolve() : Promise.reject(new Error('down'))) };
      const server = await startTestServer({ customize: (c) => c.rebind(TOKENS.StorageHealth).toConstantValue(storage) });
      try {
        for (const probe of probes) {
          const reply = await server.http.get(probe.path);
          const expected = probe.kind === 'readinessProbe' && !storageUp ? 503 : 200;
          expect(reply.status, `${probe.kind} ${probe.path}`).to.equal(expected);
        }
      } finally {
        await server.stop();
      }
    });
  }
});

// ---- Prometheus scraping ---------------------------------------------------------------------

const MONITORING_DIR = path.join(KUBERNETES_DIR, 'monitoring');
const SCRAPE = 'prometheus.io/scrape';
const SCRAPE_PORT = 'prometheus.io/port';
const SCRAPE_PATH = 'prometheus.io/path';

/** Whether the OpenAPI document declares GET on this path with a text/plain 200: the Prometheus text format. */
const servesPrometheusText = (route: unknown): boolean =>
  typeof route === 'string' && 'text/plain' in ((openApiDocument.paths as Record<string, Yaml>)[route]?.get?.responses?.['200']?.content ?? {});

/** What is wrong with the prometheus.io/* annotations of the API's pod template (empty when all is well). */
function scrapeAnnotationProblems(manifests: Manifest[]): string[] {
  const deployment = manifests.find((m) => m.doc.kind === 'Deployment' && m.doc.metadata?.name === 'api');
  if (!deployment) return ['no Deployment/api'];
  const where = `${deployment.file}: Deployment/api pod template`;
  const annotations: Record<string, unknown> = deployment.doc.spec.template.metadata.annotations ?? {};
  const ports = ((container(deployment.doc, 'api')?.ports ?? []) as Yaml[]).map((p) => String(p.containerPort));
  const problems: string[] = [];
  if (annotations[SCRAPE] !== 'true') problems.push(`${where}: ${SCRAPE} is ${JSON.stringify(annotations[SCRAPE])}, not "true"`);
  if (typeof annotations[SCRAPE_PORT] !== 'string' || !ports.includes(annotations[SCRAPE_PORT] as string)) {
    problems.push(`${where}: ${SCRAPE_PORT} ${JSON.stringify(annotations[SCRAPE_PORT])} is not a port of container api (${ports.join(', ')})`);
  }
  if (!servesPrometheusText(annotations[SCRAPE_PATH])) {
    problems.push(`${where}: ${SCRAPE_PATH} ${JSON.stringify(annotations[SCRAPE_PATH])} is not a path the app serves text/plain metrics on`);
  }
  return problems;
}

/** Sample names of a Prometheus text exposition, each with the label names seen on it. */
function exposedSeries(text: string): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!match) continue;
    const labels = series.get(match[1]) ?? new Set<string>();
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(label[1]);
    series.set(match[1], labels);
  }
  return series;
}

describe('Prometheus scraping of the API (kubernetes/, kubernetes/ha/, kubernetes/monitoring/)', function () {
  this.timeout(60_000);
  const monitoring = loadManifests(MONITORING_DIR);
  const podMonitor = monitoring.find((m) => m.doc.kind === 'PodMonitor')!.doc;
  const rules = monitoring.filter((m) => m.doc.kind === 'PrometheusRule').flatMap((m) =>
    (m.doc.spec.groups as Yaml[]).flatMap((g) => g.rules as Yaml[]).map((r) => ({ file: m.file, alert: r.alert as string, expr: String(r.expr) })),
  );

  it('the metrics path is a GET the OpenAPI document declares with a text/plain 200', () => {
    expect(servesPrometheusText('/metrics')).to.equal(true);
    expect(servesPrometheusText('/health')).to.equal(false);
  });

  for (const [variant, manifests] of [['kubernetes/', single], ['kubernetes/ha/', ha]] as const) {
    it(`${variant}: the API pod template carries prometheus.io/scrape "true", the container's port and the metrics path`, () => {
      expect(scrapeAnnotationProblems(manifests)).to.deep.equal([]);
      const api = find(manifests, 'Deployment', 'api');
      expect(api.spec.template.metadata.annotations).to.include({ [SCRAPE]: 'true', [SCRAPE_PORT]: String(facts.defaultPort), [SCRAPE_PATH]: '/metrics' });
    });

    it(`${variant}: the PodMonitor selects the API pods and nothing else, on a port the API container has, at the metrics path`, () => {
      const api = find(manifests, 'Deployment', 'api');
      expect(selects(podMonitor.spec.selector, api.spec.template.metadata.labels)).to.equal(true);
      for (const other of manifests.filter((m) => m.doc.spec?.template?.metadata && m.doc !== api)) {
        expect(selects(podMonitor.spec.selector, other.doc.spec.template.metadata.labels ?? {}), `${other.doc.kind}/${other.doc.metadata.name}`).to.equal(false);
      }
      const portNames = (container(api, 'api').ports as Yaml[]).map((p) => p.name);
      for (const endpoint of podMonitor.spec.podMetricsEndpoints as Yaml[]) {
        expect(portNames, 'podMetricsEndpoints[].port names a port of container api').to.include(endpoint.port);
        expect(servesPrometheusText(endpoint.path), endpoint.path).to.equal(true);
        expect(endpoint.path).to.equal(api.spec.template.metadata.annotations[SCRAPE_PATH]);
      }
    });
  }

  it('kubernetes/monitoring/: a monitoring.coreos.com/v1 PodMonitor (and PrometheusRule) of the expected shape, with the apply note on top', () => {
    expect(monitoring.map((m) => m.doc.apiVersion)).to.satisfy((versions: string[]) => versions.every((v) => v === 'monitoring.coreos.com/v1'));
    expect(monitoring.map((m) => m.doc.kind)).to.include('PodMonitor');
    expect(podMonitor.metadata.name).to.be.a('string');
    expect(Object.keys(podMonitor.spec).sort()).to.deep.equal(['podMetricsEndpoints', 'selector']);
    expect(Object.keys(podMonitor.spec.selector)).to.deep.equal(['matchLabels']);
    expect(podMonitor.spec.podMetricsEndpoints).to.have.length(1);
    expect(podMonitor.spec.podMetricsEndpoints[0]).to.deep.equal({ port: 'http', path: '/metrics', interval: '15s' });
    for (const rule of rules) {
      expect(rule.alert, rule.expr).to.match(/^[A-Z][A-Za-z]+$/);
      expect(rule.expr).to.match(/ > [\d.]+$/);
    }
    for (const name of readdirSync(MONITORING_DIR)) {
      const head = readFileSync(path.join(MONITORING_DIR, name), 'utf8').split('\n').slice(0, 3).join('\n');
      expect(head, name).to.match(/^# .*Prometheus Operator[\s\S]*kubectl apply -f kubernetes\/monitoring\//);
    }
  });

  it('kubernetes/monitoring/ is referenced by no kustomization.yaml, and has none of its own (the CRDs may be missing)', () => {
    const kustomizations = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? kustomizations(path.join(dir, e.name)) : /^kustomization\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : [],
      );
    const found = kustomizations(KUBERNETES_DIR);
    expect(found.map((f) => path.relative(ROOT, f)).sort()).to.deep.equal(['kubernetes/ha/kustomization.yaml', 'kubernetes/kustomization.yaml']);
    for (const file of found) {
      const kustomization = parseYaml(readFileSync(file, 'utf8'), file);
      const entries: string[] = ['resources', 'components', 'bases'].flatMap((key) => kustomization[key] ?? []);
      for (const entry of entries) {
        const target = path.resolve(path.dirname(file), entry);
        expect(target === MONITORING_DIR || target.startsWith(MONITORING_DIR + path.sep), `${path.relative(ROOT, file)}: ${entry}`).to.equal(false);
      }
    }
  });

  it('the alert expressions are the README\'s (an alert there, or a graph plus a threshold)', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(rules.length).to.be.greaterThan(0);
    for (const rule of rules) {
      const query = rule.expr.replace(/\s+/g, ' ').replace(/ > [\d.]+$/, '');
      expect(readme, `${rule.alert}: ${query}`).to.contain(query);
    }
  });

  it('the annotated path, asked of the real app, serves the metrics and labels the alert expressions use', async () => {
    const server = await startTestServer();
    try {
      const key = await registerUser(server);
      expect((await server.http.get('/v1/next', { headers: bearer(key) })).status).to.equal(200);
      const reply = await server.http.get(find(single, 'Deployment', 'api').spec.template.metadata.annotations[SCRAPE_PATH]);
      expect(reply.status).to.equal(200);
      expect(reply.headers['content-type']).to.match(/^text\/plain/);
      const series = exposedSeries(reply.text);
      expect(series.size).to.be.greaterThan(0);
      for (const rule of rules) {
        const selectors = [...rule.expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{([^}]*)\})?\s*\[/g)];
        expect(selectors.length, rule.expr).to.be.greaterThan(0);
        for (const [, metric, matchers] of selectors) {
          expect([...series.keys()], `${rule.alert}: metric ${metric}`).to.include(metric);
          for (const [, label] of (matchers ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*[=!]/g)) {
            expect([...series.get(metric)!], `${rule.alert}: label ${label} of ${metric}`).to.include(label);
          }
        }
      }
    } finally {
      await server.stop();
    }
  });

  describe('the checks fail on a broken copy', () => {
    const broken = (change: (annotations: Record<string, string>) => void): string[] => {
      const copy = clone(single);
      change(find(copy, 'Deployment', 'api').spec.template.metadata.annotations);
      return scrapeAnnotationProblems(copy);
    };

    it('a prometheus.io/port that is not the API container\'s port', () => {
      expect(broken((a) => (a[SCRAPE_PORT] = '8080'))).to.deep.equal([
        'kubernetes/api-deployment.yaml: Deployment/api pod template: prometheus.io/port "8080" is not a port of container api (3000)',
      ]);
    });

    it('a prometheus.io/path the app does not serve metrics on, and scraping switched off', () => {
      expect(
        broken((a) => {
          a[SCRAPE_PATH] = '/health';
          a[SCRAPE] = 'false';
        }),
      ).to.deep.equal([
        'kubernetes/api-deployment.yaml: Deployment/api pod template: prometheus.io/scrape is "false", not "true"',
        'kubernetes/api-deployment.yaml: Deployment/api pod template: prometheus.io/path "/health" is not a path the app serves text/plain metrics on',
      ]);
    });
  });
});
