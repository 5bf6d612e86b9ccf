/**
 * Offline checks of the Kubernetes manifests: each function returns a list of problems (empty
 * when all is well), so a test can run it on a deliberately broken copy and see each problem
 * reported.
 *
 * - schemaProblems: every object validates against the Kubernetes API schemas (kubernetes-models)
 *   and uses a stable API version;
 * - unknownFieldProblems: no field the API does not know (what `kubectl apply` rejects with
 *   "unknown field"), checked by the TypeScript compiler against the same package's types;
 * - consistencyProblems: selectors, ports, probes, environment, images, Secrets and ConfigMaps,
 *   volumes, security contexts, resources and availability agree with each other and with the app.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { AppFacts, Manifest, parseMongoUrl, ROOT, Yaml } from './deployment-files';

const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));

const name = (m: Manifest) => `${m.file}: ${m.doc?.kind}/${m.doc?.metadata?.name}`;

/** "networking.k8s.io/v1" → "networking.k8s.io/v1"; "v1" → "v1": the folder in kubernetes-models. */
function modelModule(apiVersion: string): Record<string, unknown> | undefined {
  try {
    return requireFromRoot(`kubernetes-models/${apiVersion}`);
  } catch {
    return undefined;
  }
}

// ---- schemas -------------------------------------------------------------------------------

export function schemaProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  for (const m of manifests) {
    const { apiVersion, kind } = m.doc ?? {};
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      problems.push(`${m.file}: a document without apiVersion and kind`);
      continue;
    }
    if (/(alpha|beta)\d*$/.test(apiVersion) || apiVersion.startsWith('extensions/')) {
      problems.push(`${name(m)}: apiVersion ${apiVersion} is not a stable API version (removed or removable); use the GA version`);
      continue;
    }
    const Model = modelModule(apiVersion)?.[kind] as (new (data: unknown) => { validate(): void }) | undefined;
    if (typeof Model !== 'function') {
      problems.push(`${name(m)}: Kubernetes has no kind ${kind} in ${apiVersion}`);
      continue;
    }
    try {
      new Model(m.doc).validate();
    } catch (error) {
      problems.push(`${name(m)}: does not match the ${apiVersion} ${kind} schema: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * Fields the API does not know. The schemas above accept them silently, the API server does
 * not: the TypeScript compiler checks each object as a literal of the package's interface
 * (excess property checks), and reports e.g. "readinesProbe does not exist in type IContainer".
 */
let previousProgram: ts.Program | undefined;
const declarations = new Map<string, ts.SourceFile | undefined>();

export function unknownFieldProblems(manifests: Manifest[]): string[] {
  const known = manifests.filter((m) => {
    const { apiVersion, kind } = m.doc ?? {};
    return typeof apiVersion === 'string' && typeof kind === 'string' && typeof modelModule(apiVersion)?.[kind] === 'function';
  });
  if (known.length === 0) return [];
  const fileName = path.join(ROOT, '__manifests_check__.ts');
  const source = known
    .map((m, index) => `const d${index}: import('kubernetes-models/${m.doc.apiVersion}/${m.doc.kind}').I${m.doc.kind} = ${JSON.stringify(m.doc)};`)
    .join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
    noUnusedLocals: false,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, languageVersion, ...rest) => {
    if (path.resolve(file) === fileName) return ts.createSourceFile(file, source, languageVersion);
    // Declaration files are parsed once per test run.
    if (!declarations.has(file)) declarations.set(file, getSourceFile(file, languageVersion, ...rest));
    return declarations.get(file);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === fileName || fileExists(file);
  // Reusing the previous program keeps the type declarations parsed: a second check takes milliseconds.
  const program = ts.createProgram([fileName], options, host, previousProgram);
  previousProgram = program;
  const problems: string[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line : -1;
    const m = known[line];
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    problems.push(`${m ? name(m) : 'manifests'}: ${message}`);
  }
  return problems;
}

// ---- consistency ---------------------------------------------------------------------------

interface PodTemplate {
  readonly owner: Manifest;
  readonly labels: Record<string, string>;
  readonly spec: Yaml;
  /** Long-running (Deployment, StatefulSet, DaemonSet) rather than run to completion (Job). */
  readonly serving: boolean;
}

interface Container {
  readonly pod: PodTemplate;
  readonly spec: Yaml;
  readonly init: boolean;
  readonly where: string;
}

function podTemplates(manifests: Manifest[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const m of manifests) {
    const kind = m.doc?.kind;
    const template =
      kind === 'CronJob' ? m.doc.spec?.jobTemplate?.spec?.template : ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(kind) ? m.doc.spec?.template : undefined;
    if (template) {
      templates.push({
        owner: m,
        labels: template.metadata?.labels ?? {},
        spec: template.spec ?? {},
        serving: !['Job', 'CronJob'].includes(kind),
      });
    }
  }
  return templates;
}

function containersOf(pod: PodTemplate): Container[] {
  return [
    ...(pod.spec.initContainers ?? []).map((c: Yaml) => ({ pod, spec: c, init: true, where: `${name(pod.owner)} init container ${c.name}` })),
    ...(pod.spec.containers ?? []).map((c: Yaml) => ({ pod, spec: c, init: false, where: `${name(pod.owner)} container ${c.name}` })),
  ];
}

/** Whether a selector (a Service's map, or a LabelSelector with matchLabels/matchExpressions) selects these labels. */
export function selects(selector: Yaml, labels: Record<string, string>): boolean {
  if (!selector || typeof selector !== 'object') return false;
  const isLabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
  const matchLabels: Record<string, string> = isLabelSelector ? (selector.matchLabels ?? {}) : selector;
  const expressions: Yaml[] = isLabelSelector ? (selector.matchExpressions ?? []) : [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false; // selects everything: never what we mean
  return (
    Object.entries(matchLabels).every(([key, value]) => labels[key] === value) &&
    expressions.every((e) => {
      const has = Object.prototype.hasOwnProperty.call(labels, e.key);
      switch (e.operator) {
        case 'In':
          return has && (e.values ?? []).includes(labels[e.key]);
        case 'NotIn':
          return !has || !(e.values ?? []).includes(labels[e.key]);
        case 'Exists':
          return has;
        case 'DoesNotExist':
          return !has;
        default:
          return false;
      }
    })
  );
}

const imageRepository = (image: string) => image.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
const pinned = (image: string) => /@sha256:[0-9a-f]{64}$/.test(image) || /:[^:/]*\d+\.\d+\.\d+[^:/]*$/.test(image);

/** The value of an env entry when it is a literal. */
const envValue = (container: Yaml, key: string): string | undefined =>
  (container.env ?? []).find((e: Yaml) => e.name === key && typeof e.value === 'string')?.value;

function portOf(container: Yaml, port: unknown): Yaml | undefined {
  return (container.ports ?? []).find((p: Yaml) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}

function keysOf(object: Yaml): string[] {
  return [...Object.keys(object?.data ?? {}), ...Object.keys(object?.stringData ?? {})];
}

export function consistencyProblems(manifests: Manifest[], facts: AppFacts): string[] {
  const problems: string[] = [];
  const report = (problem: string) => problems.push(problem);
  const ofKind = (kind: string) => manifests.filter((m) => m.doc?.kind === kind);
  const find = (kind: string, wanted: string) => ofKind(kind).find((m) => m.doc.metadata?.name === wanted);
  const pods = podTemplates(manifests);
  const containers = pods.flatMap(containersOf);
  const apiRepository = imageRepository(facts.image);
  const isApi = (c: Container) => typeof c.spec.image === 'string' && imageRepository(c.spec.image) === apiRepository;
  const apiPods = pods.filter((p) => containersOf(p).some((c) => !c.init && isApi(c)));

  // Names are unique per kind.
  const seen = new Set<string>();
  for (const m of manifests) {
    const key = `${m.doc?.kind}/${m.doc?.metadata?.name}`;
    if (seen.has(key)) report(`${name(m)}: defined twice`);
    seen.add(key);
  }

  // Workloads: the selector matches the pod template's own labels.
  for (const pod of pods) {
    const selector = pod.owner.doc.spec?.selector;
    if (pod.owner.doc.kind !== 'Job' && !selects(selector, pod.labels)) {
      report(`${name(pod.owner)}: spec.selector ${JSON.stringify(selector)} does not match its pod template's labels ${JSON.stringify(pod.labels)}`);
    }
  }

  // Services select pods, and their target ports are ports of those pods.
  for (const service of ofKind('Service')) {
    const selector = service.doc.spec?.selector;
    const selected = pods.filter((p) => p.serving && selects(selector, p.labels));
    if (selected.length === 0) {
      report(`${name(service)}: selector ${JSON.stringify(selector)} matches no pod template`);
      continue;
    }
    for (const port of service.doc.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      for (const pod of selected) {
        if (!(pod.spec.containers ?? []).some((c: Yaml) => portOf(c, target))) {
          report(`${name(service)}: targetPort ${target} is not a container port of ${name(pod.owner)}`);
        }
      }
    }
  }

  // PodDisruptionBudgets and NetworkPolicies select pods; HorizontalPodAutoscalers target a workload.
  for (const budget of ofKind('PodDisruptionBudget')) {
    if (!pods.some((p) => selects(budget.doc.spec?.selector, p.labels))) report(`${name(budget)}: selector matches no pod template`);
  }
  for (const policy of ofKind('NetworkPolicy')) {
    if (!pods.some((p) => selects(policy.doc.spec?.podSelector, p.labels))) report(`${name(policy)}: podSelector matches no pod template`);
    for (const rule of policy.doc.spec?.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        if (!peer.podSelector) continue;
        // Each value of an In expression must select something, so a misspelt name is caught.
        const variants = [peer.podSelector];
        for (const e of peer.podSelector.matchExpressions ?? []) {
          if (e.operator === 'In') for (const value of e.values ?? []) variants.push({ ...peer.podSelector, matchExpressions: [{ ...e, values: [value] }] });
        }
        for (const variant of variants) {
          if (!pods.some((p) => selects(variant, p.labels))) report(`${name(policy)}: ingress podSelector ${JSON.stringify(variant)} matches no pod template`);
        }
      }
    }
  }
  const autoscalers = ofKind('HorizontalPodAutoscaler');
  for (const hpa of autoscalers) {
    const ref = hpa.doc.spec?.scaleTargetRef ?? {};
    const target = find(ref.kind, ref.name);
    if (!target) report(`${name(hpa)}: scaleTargetRef ${ref.kind}/${ref.name} is not defined`);
    else if (target.doc.spec?.replicas !== undefined) {
      report(`${name(hpa)}: ${name(target)} sets spec.replicas, which every apply resets under the autoscaler; leave it out`);
    }
  }

  // StatefulSets: a headless Service of that name selects their pods.
  for (const set of ofKind('StatefulSet')) {
    const service = find('Service', set.doc.spec?.serviceName);
    if (!service) report(`${name(set)}: serviceName ${set.doc.spec?.serviceName} is not a Service defined here`);
    else if (service.doc.spec?.clusterIP !== 'None') report(`${name(set)}: its Service ${service.doc.metadata.name} must be headless (clusterIP: None)`);
    else if (!selects(service.doc.spec?.selector, set.doc.spec?.template?.metadata?.labels ?? {})) {
      report(`${name(set)}: its Service ${service.doc.metadata.name} does not select its pods`);
    }
  }

  // Volumes, claims, Secrets and ConfigMaps that are referenced exist, with the keys referenced.
  const secretKey = (where: string, secretName: string, key?: string) => {
    const secret = find('Secret', secretName);
    if (!secret) report(`${where}: Secret ${secretName} is not defined (not even in a template)`);
    else if (key !== undefined && !keysOf(secret.doc).includes(key)) report(`${where}: Secret ${secretName} has no key ${key}`);
  };
  const configMapKey = (where: string, mapName: string, key?: string) => {
    const map = find('ConfigMap', mapName);
    if (!map) report(`${where}: ConfigMap ${mapName} is not defined`);
    else if (key !== undefined && !keysOf(map.doc).includes(key)) report(`${where}: ConfigMap ${mapName} has no key ${key}`);
  };
  for (const pod of pods) {
    const claimTemplates: string[] = (pod.owner.doc.spec?.volumeClaimTemplates ?? []).map((t: Yaml) => t.metadata?.name);
    const volumes: string[] = [...(pod.spec.volumes ?? []).map((v: Yaml) => v.name), ...claimTemplates];
    for (const volume of pod.spec.volumes ?? []) {
      const where = `${name(pod.owner)} volume ${volume.name}`;
      if (volume.secret) {
        secretKey(where, volume.secret.secretName);
        for (const item of volume.secret.items ?? []) secretKey(where, volume.secret.secretName, item.key);
      }
      if (volume.configMap) {
        configMapKey(where, volume.configMap.name);
        for (const item of volume.configMap.items ?? []) configMapKey(where, volume.configMap.name, item.key);
      }
      if (volume.persistentVolumeClaim && !find('PersistentVolumeClaim', volume.persistentVolumeClaim.claimName)) {
        report(`${where}: PersistentVolumeClaim ${volume.persistentVolumeClaim.claimName} is not defined`);
      }
    }
    for (const c of containersOf(pod)) {
      for (const mount of c.spec.volumeMounts ?? []) {
        if (!volumes.includes(mount.name)) report(`${c.where}: mounts volume ${mount.name}, which the pod does not have`);
      }
      for (const e of c.spec.env ?? []) {
        if (e.valueFrom?.secretKeyRef) secretKey(`${c.where} env ${e.name}`, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
        if (e.valueFrom?.configMapKeyRef) configMapKey(`${c.where} env ${e.name}`, e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.key);
      }
      for (const source of c.spec.envFrom ?? []) {
        if (source.secretRef) secretKey(`${c.where} envFrom`, source.secretRef.name);
        if (source.configMapRef) configMapKey(`${c.where} envFrom`, source.configMapRef.name);
      }
    }
  }
  // A claim on a class that nothing provisions must find a volume here that fits it.
  const volumesHere = ofKind('PersistentVolume');
  for (const claim of ofKind('PersistentVolumeClaim')) {
    const spec = claim.doc.spec ?? {};
    if (volumesHere.length === 0) continue;
    const fits = volumesHere.some((v) => {
      const vs = v.doc.spec ?? {};
      return (
        vs.storageClassName === spec.storageClassName &&
        (spec.accessModes ?? []).every((mode: string) => (vs.accessModes ?? []).includes(mode)) &&
        quantity(vs.capacity?.storage) >= quantity(spec.resources?.requests?.storage)
      );
    });
    if (!fits) report(`${name(claim)}: no PersistentVolume here has its storage class, access modes and size`);
  }

  // Images: the API image everywhere, other images from known repositories and pinned.
  const imagesByRepository = new Map<string, Set<string>>();
  for (const c of containers) {
    const image: string = c.spec.image ?? '';
    const repository = imageRepository(image);
    if (repository === apiRepository) {
      if (image !== facts.image) report(`${c.where}: image ${image} is not the API image ${facts.image}`);
    } else if (!facts.otherImageRepositories.includes(repository)) {
      report(`${c.where}: image ${image} is neither the API image ${facts.image} nor one of ${facts.otherImageRepositories.join(', ')}`);
    } else if (!pinned(image)) {
      report(`${c.where}: image ${image} is not pinned to a version`);
    }
    imagesByRepository.set(repository, (imagesByRepository.get(repository) ?? new Set()).add(image));
  }
  for (const [repository, images] of imagesByRepository) {
    if (images.size > 1) report(`images of ${repository} differ: ${[...images].join(', ')}`);
  }

  // Every container: security context, resources, writable /tmp under a read-only root.
  for (const c of containers) {
    const sc = c.spec.securityContext ?? {};
    const podSc = c.pod.spec.securityContext ?? {};
    const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    const runAsUser = sc.runAsUser ?? podSc.runAsUser;
    const added: string[] = sc.capabilities?.add ?? [];
    const rootForChown = c.init && runAsUser === 0 && added.every((cap) => cap === 'CHOWN');
    if (!rootForChown && (runAsNonRoot !== true || runAsUser === 0)) {
      report(`${c.where}: must run as non-root (runAsNonRoot: true); only an init container that needs nothing but CHOWN may be root`);
    }
    if (added.length > 0 && !rootForChown) report(`${c.where}: adds capabilities ${added.join(', ')}`);
    if (sc.allowPrivilegeEscalation !== false) report(`${c.where}: must set allowPrivilegeEscalation: false`);
    if (sc.readOnlyRootFilesystem !== true) report(`${c.where}: must set readOnlyRootFilesystem: true`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) report(`${c.where}: must drop ALL capabilities`);
    if (sc.privileged === true) report(`${c.where}: must not be privileged`);
    if (!c.init) {
      const tmp = (c.spec.volumeMounts ?? []).find((mount: Yaml) => mount.mountPath === '/tmp');
      const volume = (c.pod.spec.volumes ?? []).find((v: Yaml) => v.name === tmp?.name);
      if (!volume?.emptyDir) report(`${c.where}: needs a writable /tmp (an emptyDir) under its read-only root filesystem`);
    }
    const resources = c.spec.resources ?? {};
    for (const [kind, resource] of [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'cpu'], ['limits', 'memory']]) {
      if (resources[kind]?.[resource] === undefined) report(`${c.where}: no ${kind}.${resource}`);
    }
  }
  for (const pod of pods) {
    if (pod.spec.automountServiceAccountToken !== false) report(`${name(pod.owner)}: pods must set automountServiceAccountToken: false (they do not call the Kubernetes API)`);
    if (pod.spec.securityContext?.seccompProfile?.type !== 'RuntimeDefault') report(`${name(pod.owner)}: pods must use the RuntimeDefault seccomp profile`);
    if (pod.spec.hostNetwork || pod.spec.hostPID || pod.spec.hostIPC) report(`${name(pod.owner)}: pods must not share the host's namespaces`);
  }

  // Probes: every port they name exists; serving containers have a readiness probe.
  for (const c of containers) {
    for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const probe = c.spec[kind];
      const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
      if (port !== undefined && !portOf(c.spec, port)) report(`${c.where}: ${kind} port ${port} is not a port of the container`);
      if (probe?.httpGet && !facts.getRoutes.includes(probe.httpGet.path)) {
        report(`${c.where}: ${kind} path ${probe.httpGet.path} is not a route the app serves (${facts.getRoutes.join(', ')})`);
      }
    }
    if (!c.init && c.pod.serving && !c.spec.readinessProbe) report(`${c.where}: has no readiness probe`);
  }

  // The API containers: port, probes, environment, user, graceful shutdown.
  for (const c of containers.filter(isApi)) {
    for (const e of c.spec.env ?? []) {
      if (!facts.configVariables.includes(e.name)) report(`${c.where}: env ${e.name} is not a configuration variable the app reads (${facts.configVariables.join(', ')})`);
    }
    for (const source of c.spec.envFrom ?? []) {
      const from = source.configMapRef ? find('ConfigMap', source.configMapRef.name) : find('Secret', source.secretRef?.name);
      for (const key of keysOf(from?.doc)) {
        if (!facts.configVariables.includes(`${source.prefix ?? ''}${key}`)) report(`${c.where}: envFrom brings ${key}, which is not a configuration variable the app reads`);
      }
    }
    if (c.init) continue;
    const port = (() => {
      const value = envValue(c.spec, 'PORT');
      return value === undefined ? facts.defaultPort : Number(value);
    })();
    const ports: number[] = (c.spec.ports ?? []).map((p: Yaml) => p.containerPort);
    if (ports.length !== 1 || ports[0] !== port) report(`${c.where}: containerPort ${ports.join(', ') || '(none)'} is not the port the app listens on (${port})`);
    const probes: Array<[string, string]> = [
      ['startupProbe', facts.livenessPath],
      ['livenessProbe', facts.livenessPath],
      ['readinessProbe', facts.readinessPath],
    ];
    for (const [kind, expected] of probes) {
      const probe = c.spec[kind];
      if (!probe?.httpGet) report(`${c.where}: needs an HTTP ${kind} on ${expected}`);
      else if (probe.httpGet.path !== expected) report(`${c.where}: ${kind} must GET ${expected}, not ${probe.httpGet.path}`);
    }
    const uid = c.spec.securityContext?.runAsUser ?? c.pod.spec.securityContext?.runAsUser;
    if (uid !== facts.uid) report(`${c.where}: runAsUser ${uid} is not the image's user ${facts.uid}`);
    const preStop: string[] = c.spec.lifecycle?.preStop?.exec?.command ?? [];
    const preStopSeconds = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
    if (preStopSeconds <= 0) report(`${c.where}: needs a preStop sleep so endpoints are removed before SIGTERM`);
    const grace = c.pod.spec.terminationGracePeriodSeconds ?? 30;
    if (grace <= preStopSeconds + 10) report(`${name(c.pod.owner)}: terminationGracePeriodSeconds ${grace} leaves no room for preStop (${preStopSeconds} s) and the app's 10 s drain`);
  }

  // The API stays up: two or more pods, a disruption budget, rolling updates that keep capacity.
  for (const pod of apiPods) {
    const workload = pod.owner.doc;
    const hpa = autoscalers.find((h) => h.doc.spec?.scaleTargetRef?.kind === workload.kind && h.doc.spec?.scaleTargetRef?.name === workload.metadata?.name);
    const replicas = hpa ? hpa.doc.spec?.minReplicas ?? 1 : workload.spec?.replicas ?? 1;
    if (replicas < 2) report(`${name(pod.owner)}: runs ${replicas} pod(s); the API needs at least 2`);
    if (!ofKind('PodDisruptionBudget').some((b) => selects(b.doc.spec?.selector, pod.labels))) report(`${name(pod.owner)}: no PodDisruptionBudget covers its pods`);
    if (workload.kind === 'Deployment' && workload.spec?.strategy?.rollingUpdate?.maxUnavailable !== 0) {
      report(`${name(pod.owner)}: rolling updates must keep every pod until its replacement is ready (maxUnavailable: 0)`);
    }
  }
  if (apiPods.length === 0) report(`no workload runs the API image ${facts.image}`);

  problems.push(...mongoProblems(manifests, facts, pods));
  return problems;
}

/** MongoDB: the replica set, the init Job, the Secret's connection string and the Services agree. */
function mongoProblems(manifests: Manifest[], facts: AppFacts, pods: PodTemplate[]): string[] {
  const problems: string[] = [];
  const containers = pods.flatMap(containersOf);
  const mongods = containers.filter((c) => !c.init && imageRepository(c.spec.image ?? '') === 'mongo' && c.pod.serving);
  if (mongods.length === 0) return [`no workload runs mongod`];
  for (const mongod of mongods) {
    if (mongod.pod.owner.doc.kind === 'Deployment' && mongod.pod.owner.doc.spec?.strategy?.type !== 'Recreate') {
      problems.push(`${name(mongod.pod.owner)}: MongoDB on a ReadWriteOnce volume must use the Recreate strategy`);
    }
  }
  const args: string[] = mongods[0].spec.args ?? [];
  const replicaSet = args[args.indexOf('--replSet') + 1];
  if (!args.includes('--replSet') || !replicaSet) return [...problems, `${mongods[0].where}: mongod is not started as a replica set member (--replSet)`];
  const mongoPort = mongods[0].spec.ports?.[0]?.containerPort ?? 27017;

  // The member names each mongod pod is reachable by: a Service name, or <pod>.<headless service>.
  const memberNames = new Set<string>();
  for (const m of manifests.filter((x) => x.doc?.kind === 'Service')) {
    const selected = pods.filter((p) => p.serving && selects(m.doc.spec?.selector, p.labels) && mongods.some((c) => c.pod === p));
    if (selected.length === 0) continue;
    const port = (m.doc.spec?.ports ?? []).find((p: Yaml) => p.targetPort === mongoPort || p.targetPort === mongods[0].spec.ports?.[0]?.name)?.port;
    for (const pod of selected) {
      if (pod.owner.doc.kind === 'StatefulSet' && pod.owner.doc.spec?.serviceName === m.doc.metadata.name) {
        for (let i = 0; i < (pod.owner.doc.spec?.replicas ?? 1); i++) memberNames.add(`${pod.owner.doc.metadata.name}-${i}.${m.doc.metadata.name}:${port}`);
      } else if (pod.owner.doc.kind !== 'StatefulSet' && m.doc.spec?.clusterIP === 'None') {
        memberNames.add(`${m.doc.metadata.name}:${port}`);
      }
    }
  }
  const members = [...memberNames].sort();

  // The init Job initiates exactly those members under that set name, for the app's database.
  const initJob = pods.find((p) => p.owner.doc.kind === 'Job' && containersOf(p).some((c) => imageRepository(c.spec.image ?? '') === 'mongo'));
  const jobEnv = (key: string) => (initJob ? envValue(containersOf(initJob)[0].spec, key) : undefined);
  if (!initJob) problems.push('no Job initiates the replica set');
  else {
    if (jobEnv('REPLICA_SET') !== replicaSet) problems.push(`${name(initJob.owner)}: REPLICA_SET ${jobEnv('REPLICA_SET')} is not mongod's --replSet ${replicaSet}`);
    const jobMembers = (jobEnv('REPLICA_SET_MEMBERS') ?? '').split(',').sort();
    if (jobMembers.join(',') !== members.join(',')) {
      problems.push(`${name(initJob.owner)}: REPLICA_SET_MEMBERS ${jobMembers.join(',')} are not the members' names ${members.join(',')}`);
    }
  }

  // The API's connection string (from the Secret) names the same set, members, user and database.
  const apiContainers = containers.filter((c) => !c.init && imageRepository(c.spec.image ?? '') === imageRepository(facts.image));
  for (const c of apiContainers) {
    const ref = (c.spec.env ?? []).find((e: Yaml) => e.name === 'MONGODB_URL')?.valueFrom?.secretKeyRef;
    if (!ref) {
      problems.push(`${c.where}: MONGODB_URL must come from a Secret (valueFrom.secretKeyRef)`);
      continue;
    }
    const secret = manifests.find((m) => m.doc?.kind === 'Secret' && m.doc.metadata?.name === ref.name);
    const text = secret?.doc.stringData?.[ref.key] ?? (secret?.doc.data?.[ref.key] ? Buffer.from(secret.doc.data[ref.key], 'base64').toString() : undefined);
    if (text === undefined) continue; // reported above as a missing Secret or key
    const url = parseMongoUrl(text);
    if (!url) {
      problems.push(`${name(secret!)}: ${ref.key} is not a mongodb:// URL`);
      continue;
    }
    const where = `${name(secret!)} ${ref.key}`;
    if (url.hosts.slice().sort().join(',') !== members.join(',')) problems.push(`${where}: hosts ${url.hosts.join(',')} are not the replica set members ${members.join(',')}`);
    if (url.options.replicaSet !== replicaSet) problems.push(`${where}: replicaSet=${url.options.replicaSet} is not mongod's --replSet ${replicaSet}`);
    if (url.options.w !== 'majority') problems.push(`${where}: must ask for majority writes (w=majority)`);
    if (initJob && url.username !== jobEnv('APP_USERNAME')) problems.push(`${where}: user ${url.username} is not the one the init Job creates (${jobEnv('APP_USERNAME')})`);
    if (initJob && (url.options.authSource ?? url.database) !== jobEnv('APP_DATABASE')) {
      problems.push(`${where}: authSource ${url.options.authSource ?? url.database} is not the database the init Job creates the user in (${jobEnv('APP_DATABASE')})`);
    }
    const database = envValue(c.spec, 'MONGODB_DB') ?? 'thinkific_challenge';
    if (initJob && database !== jobEnv('APP_DATABASE')) problems.push(`${c.where}: MONGODB_DB ${database} is not the database the init Job grants (${jobEnv('APP_DATABASE')})`);
  }
  return problems;
}

/** Kubernetes quantities (Mi, Gi, ...) as bytes, enough to compare sizes. */
function quantity(value: unknown): number {
  const match = /^(\d+(?:\.\d+)?)([KMGTE]i?)?$/.exec(String(value ?? ''));
  if (!match) return NaN;
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(match[1]) * (match[2] ? units[match[2]] ?? NaN : 1);
}

/** Every check at once. */
export function kubernetesProblems(manifests: Manifest[], facts: AppFacts): string[] {
  return [...schemaProblems(manifests), ...unknownFieldProblems(manifests), ...consistencyProblems(manifests, facts)];
}
