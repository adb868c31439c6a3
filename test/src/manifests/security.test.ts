import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { PICKER_PORT } from '../../../src/manifests/model.js';
import { buildPickerObjects, PICKER_HEALTH_PORT } from '../../../src/manifests/picker.js';
import { GATEWAY_POD_LABELS } from '../../../src/manifests/security.js';

// What the generated objects allow and admit, read off the golden manifests (what deploy applies) and the
// picker's objects: every model-server pod hardened, the NetworkPolicies selecting the pods they mean to.

const GOLDEN = new URL('../../../../test/src/manifests/golden/', import.meta.url);
type Obj = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
const golden = (file: string): Obj[] => parseAllDocuments(readFileSync(new URL(file, GOLDEN), 'utf8')).map((d) => d.toJS() as Obj);

/** Pod templates of a workload: a Deployment's, or a LeaderWorkerSet's leader and worker. */
function templates(o: Obj): { metadata: { labels: Record<string, string> }; spec: Record<string, any> }[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (o.kind === 'Deployment') return [o.spec.template];
  if (o.kind === 'LeaderWorkerSet') return [o.spec.leaderWorkerTemplate.leaderTemplate, o.spec.leaderWorkerTemplate.workerTemplate];
  return [];
}

/** Does a label selector (matchLabels + In/Exists expressions) select these labels? */
function selects(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => (e.operator === 'Exists' ? e.key in labels : e.operator === 'In' ? (e.values ?? []).includes(labels[e.key] ?? '') : false));
  return byLabels && byExpressions;
}

const FILES = ['llama-8b-vllm.yaml', 'gemma-mixed-l4-tpu.yaml', 'qwen-sglang-default-scheduler.yaml', 'llama-405b-lws.yaml'];

describe('generated objects: model servers', () => {
  for (const file of FILES) {
    it(`${file}: every pod runs with RuntimeDefault seccomp, no token, no escalation, no capabilities`, () => {
      const pods = golden(file).flatMap(templates);
      assert.ok(pods.length > 0);
      for (const pod of pods) {
        assert.equal(pod.spec.automountServiceAccountToken, false);
        assert.deepEqual(pod.spec.securityContext, { seccompProfile: { type: 'RuntimeDefault' } });
        for (const c of pod.spec.containers) assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
      }
    });

    it(`${file}: with a pool, a NetworkPolicy selects every model pod and admits the gateway, the picker and the group; without, none`, () => {
      const objects = golden(file);
      const pool = objects.find((o) => o.kind === 'InferencePool');
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      if (!pool) return void assert.deepEqual(policies, []);
      assert.equal(policies.length, 1);
      const policy = policies[0]!;
      for (const pod of objects.flatMap(templates)) assert.ok(selects(policy.spec.podSelector, pod.metadata.labels), JSON.stringify(pod.metadata.labels));
      const peers = policy.spec.ingress.flatMap((rule: { from: object[] }) => rule.from) as { namespaceSelector?: object; podSelector: Parameters<typeof selects>[0] }[];
      const admitted = (labels: Record<string, string>, sameNamespace: boolean): boolean => peers.some((p) => (sameNamespace || p.namespaceSelector !== undefined) && selects(p.podSelector, labels));
      const deployment = pool.metadata.labels!['kinfer.dev/deployment']!;
      for (const key of GATEWAY_POD_LABELS) assert.ok(admitted({ [key]: 'inference-gateway' }, false), `a gateway pod labelled ${key}`);
      assert.ok(admitted({ 'kinfer.dev/deployment': deployment, 'app.kubernetes.io/component': 'endpoint-picker' }, true), 'the picker');
      assert.ok(!admitted({ 'kinfer.dev/deployment': deployment, 'app.kubernetes.io/component': 'endpoint-picker' }, false), 'not another namespace\'s picker');
      assert.ok(!admitted({ app: 'curl' }, true), 'not any pod of the namespace');
      assert.ok(!admitted({ 'kinfer.dev/deployment': 'other', 'app.kubernetes.io/component': 'model-server' }, true), 'not another deployment\'s servers');
    });
  }
});

describe('generated objects: the picker', () => {
  const objects = buildPickerObjects({ pool: 'llama', namespace: 'ml', configYaml: 'x: 1\n' }) as unknown as Obj[];
  const deployment = objects.find((o) => o.kind === 'Deployment')!;
  const pod = deployment.spec.template;

  it('two replicas, a token (it watches pods), readiness on /health and liveness on /healthz (ext_proc is TLS)', () => {
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(pod.spec.automountServiceAccountToken, true);
    const container = pod.spec.containers[0];
    assert.deepEqual(container.readinessProbe.httpGet, { path: '/health', port: 'health' });
    assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 'health' });
    assert.ok(!container.args.includes('--secure-serving'), 'TLS is the default, not a flag');
  });

  it('a PodDisruptionBudget keeps one of its pods', () => {
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget')!;
    assert.equal(pdb.spec.minAvailable, 1);
    assert.ok(selects(pdb.spec.selector, pod.metadata.labels));
  });

  it('its NetworkPolicy admits the gateway to ext_proc and anyone to health/metrics only', () => {
    const policy = objects.find((o) => o.kind === 'NetworkPolicy')!;
    assert.ok(selects(policy.spec.podSelector, pod.metadata.labels));
    const [extProc, health] = policy.spec.ingress as { from: { podSelector?: Parameters<typeof selects>[0] }[]; ports: { port: number }[] }[];
    assert.deepEqual(extProc!.ports, [{ protocol: 'TCP', port: PICKER_PORT }]);
    assert.ok(extProc!.from.every((p) => p.podSelector && GATEWAY_POD_LABELS.some((key) => selects(p.podSelector!, { [key]: 'g' }) && !selects(p.podSelector!, {}))));
    assert.deepEqual(health!.ports, [{ protocol: 'TCP', port: PICKER_HEALTH_PORT }]);
  });
});
