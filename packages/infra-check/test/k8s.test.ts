import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validateManifest, type KubernetesObject } from './k8s-lib.js';
import { INFRA, PROCESSES, SERVICE_PROCESSES, environmentProblems, hasProgram, makeSecrets, readYaml, readYamlDocuments, type ProcessName } from './lib.js';

interface Probe {
  httpGet?: { path: string; port: string | number };
  failureThreshold?: number;
  periodSeconds?: number;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  command: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  volumes?: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] } }[];
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
}
interface Deployment extends KubernetesObject {
  spec: {
    replicas: number;
    strategy: { type: string; rollingUpdate?: object };
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}
interface Service extends KubernetesObject {
  spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string | number }[]; clusterIP?: string; type?: string };
}
interface Pdb extends KubernetesObject {
  spec: { maxUnavailable?: number; minAvailable?: number; selector: { matchLabels: Record<string, string> } };
}
interface Job extends KubernetesObject {
  spec: { template: { spec: PodSpec } };
}

const K8S = path.join(INFRA, 'k8s');
const kustomization = readYaml<{ resources: string[]; namespace: string }>('k8s', 'kustomization.yaml');
const objects = kustomization.resources.flatMap((f) => readYamlDocuments<KubernetesObject>('k8s', f));
const byKind = <T extends KubernetesObject>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
const deployments = byKind<Deployment>('Deployment');
const deployment = (name: string) => deployments.find((d) => d.metadata.name === name)!;
const configMap = byKind<KubernetesObject & { data: Record<string, string> }>('ConfigMap')[0]!;
const secretExample = readYamlDocuments<KubernetesObject & { stringData: Record<string, string> }>('k8s', 'secret.example.yaml')[0]!;
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('validating against the Kubernetes schemas', () => {
  it('finds a wrong type, a missing field and an unknown kind (the check can fail)', async () => {
    const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'one', selector: {}, template: {} } };
    expect((await validateManifest(bad)).join()).toMatch(/replicas must be integer/);
    expect(await validateManifest({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: {} } })).not.toEqual([]);
    expect(await validateManifest({ apiVersion: 'v1', kind: 'Pizza' })).toEqual(['unknown kind v1 Pizza']);
  });

  it('kustomization.yaml lists every manifest but the Secret example', () => {
    const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'secret.example.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it.each(readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml'))('%s: every object is valid', async (file) => {
    const docs = parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8'));
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc.errors).toEqual([]);
      const object = doc.toJS() as KubernetesObject;
      expect(await validateManifest(object), `${object.kind} ${object.metadata.name}`).toEqual([]);
      expect(object.metadata.namespace ?? kustomization.namespace, `${object.kind} ${object.metadata.name}`).toBe('tidings');
      expect(object.metadata.labels?.['app.kubernetes.io/part-of']).toBe('tidings');
    }
  });

  it('the Secret that make-secrets.mjs makes is valid too', async () => {
    const made = makeSecrets();
    expect(await validateManifest(JSON.parse(readFileSync(path.join(made.dir, 'kubernetes-secret.json'), 'utf8')) as KubernetesObject)).toEqual([]);
  });
});

describe('the Deployments', () => {
  it('there is one for each of the seven processes', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...PROCESSES].sort());
  });

  it.each(PROCESSES)('%s: TWO replicas (a broker cluster; a leader and a standby of a service), rolled one at a time', (name) => {
    const d = deployment(name);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    if (name !== 'broker') expect(configMap.data.TIDINGS_STANDBY).toBe('on');
    expect(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
  });

  it.each(PROCESSES)('%s runs its main.js from the tidings image, unprivileged, on a read-only file system', (name) => {
    const pod = deployment(name).spec.template.spec;
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0]!;
    expect(c.command).toEqual(['node', `apps/${name}/dist/main.js`]);
    expect(c.image).toBe('tidings');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it.each(PROCESSES)('%s is ready and alive by GET /healthz on its operations port', (name) => {
    const c = deployment(name).spec.template.spec.containers[0]!;
    const ops = c.ports?.find((p) => p.name === 'ops');
    expect(String(ops?.containerPort)).toBe(configMap.data.TIDINGS_OPS_PORT);
    expect(configMap.data.TIDINGS_OPS_HOST).toBe('0.0.0.0');
    for (const probe of [c.readinessProbe, c.livenessProbe]) expect(probe?.httpGet).toEqual({ path: '/healthz', port: 'ops' });
    expect(c.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
  });

  it.each(SERVICE_PROCESSES)('%s is not restarted the moment the broker goes: liveness gives it a minute', (name) => {
    const live = deployment(name).spec.template.spec.containers[0]!.livenessProbe!;
    expect((live.periodSeconds ?? 10) * (live.failureThreshold ?? 3)).toBeGreaterThanOrEqual(60);
  });

  it.each(PROCESSES)('%s has CPU and memory requests and limits', (name) => {
    const r = deployment(name).spec.template.spec.containers[0]!.resources;
    for (const kind of ['requests', 'limits'] as const) for (const what of ['cpu', 'memory']) expect(r?.[kind]?.[what], `${kind}.${what}`).toBeDefined();
  });

  it.each(PROCESSES)('%s gets only settings it reads, with values it accepts, secrets from keys the Secret has', (name) => {
    const made = makeSecrets();
    const generated = (JSON.parse(readFileSync(path.join(made.dir, 'kubernetes-secret.json'), 'utf8')) as { stringData: Record<string, string> }).stringData;
    const c = deployment(name).spec.template.spec.containers[0]!;
    const env: Record<string, string> = { ...configMap.data };
    for (const v of c.env ?? []) {
      const ref = v.valueFrom?.secretKeyRef;
      expect(ref, `${v.name} comes from the Secret`).toBeDefined();
      expect(ref!.name).toBe('tidings-secrets');
      expect(Object.keys(generated), `${v.name}: key ${ref!.key}`).toContain(ref!.key);
      expect(Object.keys(secretExample.stringData)).toContain(ref!.key);
      env[v.name] = generated[ref!.key]!;
    }
    // The ConfigMap is shared: each process ignores the settings of the others, so check only its own.
    const own = Object.fromEntries(Object.entries(env).filter(([k]) => k in configMap.data === false || readsSetting(name, k)));
    expect(environmentProblems(name, own)).toEqual([]);
    expect(env.DATABASE_URL).toBeDefined();
    // Every process that keeps state or counts limits in Redis gets its URL (with its password, from the Secret).
    expect(env.TIDINGS_REDIS_URL !== undefined, 'TIDINGS_REDIS_URL').toBe(environmentProblems(name, { TIDINGS_REDIS_URL: 'redis://r:6379' }).length === 0);
    if (name !== 'broker') expect(c.env?.find((v) => v.name === 'TIDINGS_SERVICE_SECRET')?.valueFrom?.secretKeyRef?.key).toBe(`service-secret-${name}`);
  });

  it("the broker reads the services' passwords from the Secret, mounted as its data directory", () => {
    const pod = deployment('broker').spec.template.spec;
    const mount = pod.containers[0]!.volumeMounts!.find((m) => m.mountPath === configMap.data.TIDINGS_DATA_DIR);
    const volume = pod.volumes!.find((v) => v.name === mount?.name);
    expect(volume?.secret).toMatchObject({ secretName: 'tidings-secrets', items: [{ key: 'service-credentials.json', path: 'service-credentials.json' }] });
  });

  it('security-questions gets the recovery key from the Secret (its file system is read-only)', () => {
    const env = deployment('security-questions').spec.template.spec.containers[0]!.env!;
    expect(env.find((v) => v.name === 'TIDINGS_RECOVERY_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'tidings-secrets', key: 'recovery-key' });
  });
});

/** Whether process `name` reads setting `k` (for the shared ConfigMap). */
function readsSetting(name: ProcessName, k: string): boolean {
  return environmentProblems(name, { [k]: configMap.data[k]! }).every((p) => !p.includes('does not read'));
}

describe('the ConfigMap', () => {
  it('holds only settings some process reads, none secret, with values they accept', () => {
    for (const [k, v] of Object.entries(configMap.data)) {
      const reader = PROCESSES.find((p) => readsSetting(p, k));
      expect(reader, `${k} is read by some process`).toBeDefined();
      expect(environmentProblems(reader!, { [k]: v })).toEqual([]);
      expect(['DATABASE_URL', 'TIDINGS_SERVICE_SECRET', 'TIDINGS_RECOVERY_KEY']).not.toContain(k);
    }
    expect(configMap.data.TIDINGS_MQTT_URL).toBe(`mqtt://broker:${configMap.data.TIDINGS_MQTT_PORT}`);
  });
});

describe('the Services, the disruption budgets and the migration', () => {
  const services = byKind<Service>('Service');
  const pods = deployments.map((d) => ({ name: d.metadata.name, labels: d.spec.template.metadata.labels, container: d.spec.template.spec.containers[0]! }));

  it('every Service selects pods, and its target ports are ports those pods name', () => {
    for (const s of services) {
      const selected = pods.filter((p) => matches(s.spec.selector, p.labels));
      expect(selected.length, s.metadata.name).toBeGreaterThan(0);
      for (const port of s.spec.ports)
        for (const p of selected)
          expect(
            p.container.ports?.map((x) => x.name),
            `${s.metadata.name} ${port.name}`,
          ).toContain(port.targetPort);
    }
  });

  it('the broker Service is where the services connect, on MQTT and HTTP', () => {
    const broker = services.find((s) => s.metadata.name === 'broker')!;
    expect(broker.spec.ports.map((p) => [p.name, p.port])).toEqual([
      ['mqtt', Number(configMap.data.TIDINGS_MQTT_PORT)],
      ['http', Number(configMap.data.TIDINGS_HTTP_PORT)],
    ]);
    expect(pods.filter((p) => matches(broker.spec.selector, p.labels)).map((p) => p.name)).toEqual(['broker']);
  });

  it("the public Service keeps clients' addresses (the broker caps connections per address)", () => {
    const pub = services.find((s) => s.metadata.name === 'broker-public')!;
    expect(pub.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    expect(pub.spec.ports.map((p) => p.name).sort()).toEqual(['mqtt', 'mqtts', 'web']);
  });

  it('Prometheus finds every pod through the annotated ops Service', () => {
    const ops = services.find((s) => s.metadata.name === 'tidings-ops')!;
    expect(ops.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': configMap.data.TIDINGS_OPS_PORT,
      'prometheus.io/path': '/metrics',
    });
    expect(ops.spec.clusterIP).toBe('None');
    expect(
      pods
        .filter((p) => matches(ops.spec.selector, p.labels))
        .map((p) => p.name)
        .sort(),
    ).toEqual([...PROCESSES].sort());
    const prometheus = readYaml<{ scrape_configs: { job_name: string; kubernetes_sd_configs?: { role: string; namespaces: { names: string[] } }[] }[] }>(
      'prometheus',
      'prometheus.yml',
    );
    expect(prometheus.scrape_configs.find((c) => c.job_name === 'tidings-kubernetes')?.kubernetes_sd_configs).toEqual([
      { role: 'endpoints', namespaces: { names: ['tidings'] } },
    ]);
  });

  it.each(PROCESSES)('%s has a PodDisruptionBudget that keeps one of its two pods through a drain', (name) => {
    const pdbs = byKind<Pdb>('PodDisruptionBudget').filter((p) => matches(p.spec.selector.matchLabels, deployment(name).spec.template.metadata.labels));
    expect(pdbs).toHaveLength(1);
    expect(pdbs[0]!.spec.maxUnavailable).toBe(1);
    expect(pdbs[0]!.spec.minAvailable).toBeUndefined();
  });

  it('the migration Job runs the database CLI with the database URL only', () => {
    const job = byKind<Job>('Job')[0]!;
    const c = job.spec.template.spec.containers[0]!;
    expect(c.command).toEqual(['node', 'packages/db/dist/cli.js', 'migrate']);
    expect(c.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'tidings-secrets', key: 'database-url' } } }]);
  });

  const kubectl = hasProgram('kubectl');
  if (!kubectl) console.log('kubectl is not installed: skipping `kubectl kustomize infra/k8s`');
  it.skipIf(!kubectl)('kubectl kustomize builds it, with the image name set once', () => {
    const run = spawnSync('kubectl', ['kustomize', K8S], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const built = parseAllDocuments(run.stdout).map((d) => d.toJS() as KubernetesObject);
    expect(built.length).toBe(objects.length);
    expect(new Set(run.stdout.match(/image: \S+/g))).toEqual(new Set(['image: registry.example.org/tidings:0.1.0']));
  });
});
