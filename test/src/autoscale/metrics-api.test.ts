import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { apiServiceConflict, autoscalingPicker, buildMetricsApiObjects, metricsServiceDnsName, type ExistingApiService } from '../../../src/autoscale/metrics-api.js';
import { buildPickerObjects } from '../../../src/manifests/picker.js';
import type { KubeObject } from '../../../src/manifests/objects.js';
import { selfSignedCertificate } from '../../../src/tls/certificate.js';

const ours = (pool: string, namespace: string): ExistingApiService => ({
  metadata: { labels: { 'app.kubernetes.io/managed-by': 'kubectl-inference', 'kinfer.dev/deployment': pool, 'kinfer.dev/namespace': namespace } },
  spec: { service: { name: `${pool}-picker-metrics`, namespace } },
});

describe('apiServiceConflict: one external metrics API per cluster', () => {
  const cases: { name: string; existing?: ExistingApiService; expected: RegExp | undefined }[] = [
    { name: 'none registered: ours to write', expected: undefined },
    { name: 'ours, same deployment: rewritten', existing: ours('llama', 'ml'), expected: undefined },
    {
      name: "KEDA's (its chart's labels)",
      existing: { metadata: { labels: { 'app.kubernetes.io/name': 'keda-operator-metrics-apiserver' } }, spec: { service: { name: 'keda-operator-metrics-apiserver', namespace: 'keda' } } },
      expected: /^the external metrics API \(APIService v1beta1\.external\.metrics\.k8s\.io\) already points at Service keda\/keda-operator-metrics-apiserver, held by KEDA \(keda-operator-metrics-apiserver\); a cluster has one\. Keep it and use --autoscale-with keda \(or --autoscale-with prometheus-adapter\)/,
    },
    {
      name: "prometheus-adapter's",
      existing: { metadata: { labels: { app: 'prometheus-adapter' } }, spec: { service: { name: 'prometheus-adapter', namespace: 'monitoring' } } },
      expected: /Service monitoring\/prometheus-adapter, held by prometheus-adapter \(prometheus-adapter\);.*use --autoscale-with prometheus-adapter \(or --autoscale-with keda\)/,
    },
    { name: 'an unknown adapter', existing: { spec: { service: { name: 'x', namespace: 'y' } } }, expected: /Service y\/x, held by x \(another metrics adapter\)/ },
    { name: 'local (no service)', existing: { spec: { service: null } }, expected: /points at the API server itself \(no service\)/ },
    { name: "another kinfer deployment's", existing: ours('gemma', 'ml'), expected: /held by kinfer deployment ml\/gemma \(its picker answers for its own pool only\).*or delete gemma's autoscaling first/ },
    { name: 'a same-named deployment in another namespace', existing: ours('llama', 'other'), expected: /held by kinfer deployment other\/llama/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = apiServiceConflict(c.existing, 'llama', 'ml');
      if (c.expected === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '', c.expected);
    });
  }
});

describe('buildMetricsApiObjects', () => {
  const cert = selfSignedCertificate([metricsServiceDnsName('llama', 'ml')]);
  const byKind = (objects: KubeObject[]): Record<string, KubeObject> => Object.fromEntries(objects.map((o) => [o.kind, o]));
  it('a certificate for the name the aggregator dials, the caBundle it verifies with, the Service on the picker pods', () => {
    const o = byKind(buildMetricsApiObjects({ pool: 'llama', namespace: 'ml', certPem: cert.certPem, keyPem: cert.keyPem, clientCaPem: 'CA' }));
    assert.equal(new X509Certificate(cert.certPem).checkHost('llama-picker-metrics.ml.svc'), 'llama-picker-metrics.ml.svc');
    assert.deepEqual((o.APIService!.spec as { service: unknown }).service, { name: 'llama-picker-metrics', namespace: 'ml', port: 443 });
    assert.equal(Buffer.from((o.APIService!.spec as { caBundle: string }).caBundle, 'base64').toString(), cert.certPem);
    assert.deepEqual(Object.keys(o.Secret!.stringData as object), ['tls.crt', 'tls.key', 'client-ca.crt']);
    assert.deepEqual(o.Service!.spec, {
      selector: { 'app.kubernetes.io/name': 'llama-picker', 'app.kubernetes.io/component': 'endpoint-picker' },
      ports: [{ name: 'https', port: 443, targetPort: 'metrics-api' }],
    });
    assert.deepEqual(o.ClusterRoleBinding!.subjects, [{ kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }]);
    for (const k of ['APIService', 'ClusterRole', 'ClusterRoleBinding']) assert.equal(o[k]!.metadata.labels!['kinfer.dev/namespace'], 'ml', k);
  });
});

describe('autoscalingPicker', () => {
  const picker = buildPickerObjects({ pool: 'llama', namespace: 'ml', configYaml: 'x' });
  const deploymentOf = (objects: KubeObject[]) => objects.find((o) => o.kind === 'Deployment')!.spec as {
    replicas: number; template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { args: string[]; ports: { name: string }[] }[]; volumes: { name: string }[] } };
  };
  const cases: { name: string; metricsApi?: { clientCa: boolean }; args: string[]; ports: string[]; volumes: string[]; extraIngress: number }[] = [
    {
      name: "kinfer's API with the front-proxy CA", metricsApi: { clientCa: true }, ports: ['grpc', 'health', 'metrics-api'], volumes: ['config', 'metrics-api'], extraIngress: 1,
      args: ['--autoscale', 'llama=2', '--ttft-target', '1000ms', '--autoscale-port', '6443', '--autoscale-cert', '/etc/kinfer/metrics-api/tls.crt', '--autoscale-key', '/etc/kinfer/metrics-api/tls.key', '--autoscale-client-ca', '/etc/kinfer/metrics-api/client-ca.crt'],
    },
    {
      name: 'without the CA', metricsApi: { clientCa: false }, ports: ['grpc', 'health', 'metrics-api'], volumes: ['config', 'metrics-api'], extraIngress: 1,
      args: ['--autoscale', 'llama=2', '--ttft-target', '1000ms', '--autoscale-port', '6443', '--autoscale-cert', '/etc/kinfer/metrics-api/tls.crt', '--autoscale-key', '/etc/kinfer/metrics-api/tls.key'],
    },
    { name: 'the gauge only (KEDA, prometheus-adapter)', ports: ['grpc', 'health'], volumes: ['config'], extraIngress: 0, args: ['--autoscale', 'llama=2', '--ttft-target', '1000ms'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = autoscalingPicker(picker, { pool: 'llama', autoscaleArgs: ['--autoscale', 'llama=2', '--ttft-target', '1000ms'], ...(c.metricsApi ? { metricsApi: c.metricsApi } : {}), podAnnotations: { a: 'b' } });
      const d = deploymentOf(out);
      const before = deploymentOf(picker).template.spec.containers[0]!.args;
      assert.equal(d.replicas, 1);
      assert.deepEqual(d.template.spec.containers[0]!.args, [...before, ...c.args]);
      assert.deepEqual(d.template.spec.containers[0]!.ports.map((p) => p.name), c.ports);
      assert.deepEqual(d.template.spec.volumes.map((v) => v.name), c.volumes);
      assert.equal(d.template.metadata.annotations?.a, 'b');
      const ingress = (o: KubeObject[]) => (o.find((x) => x.kind === 'NetworkPolicy')!.spec as { ingress: unknown[] }).ingress.length;
      assert.equal(ingress(out) - ingress(picker), c.extraIngress);
    });
  }
});
