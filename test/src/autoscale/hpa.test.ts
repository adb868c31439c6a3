import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildExternalMetricsApiService, buildHpa, DEFAULT_BEHAVIOR } from '../../../src/autoscale/hpa.js';

describe('buildExternalMetricsApiService', () => {
  const cases: { name: string; ca?: string; expected: Record<string, unknown> }[] = [
    { name: 'with the CA of the serving certificate: caBundle, verified', ca: 'PEM', expected: { caBundle: Buffer.from('PEM').toString('base64') } },
    { name: 'without: insecureSkipTLSVerify, as metrics adapters ship by default', expected: { insecureSkipTLSVerify: true } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = buildExternalMetricsApiService({ serviceName: 's', serviceNamespace: 'ns', servicePort: 443, ...(c.ca ? { caBundlePem: c.ca } : {}) }) as { metadata: { name: string }; spec: Record<string, unknown> };
      assert.equal(o.metadata.name, 'v1beta1.external.metrics.k8s.io');
      assert.deepEqual(o.spec, {
        group: 'external.metrics.k8s.io', version: 'v1beta1', service: { name: 's', namespace: 'ns', port: 443 },
        groupPriorityMinimum: 100, versionPriority: 100, ...c.expected,
      });
    });
  }
});

describe('buildHpa', () => {
  it('one External metric selected by the workload, AverageValue 1, the stated behavior', () => {
    const hpa = buildHpa({ deployment: 'llama-l4', namespace: 'ml', minReplicas: 2, maxReplicas: 9, behavior: { ...DEFAULT_BEHAVIOR, scaleDownStabilizationSeconds: 600 }, labels: { a: 'b' } });
    assert.deepEqual(hpa.metadata, { name: 'llama-l4', namespace: 'ml', labels: { a: 'b' } });
    assert.deepEqual(hpa.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llama-l4' },
      minReplicas: 2, maxReplicas: 9,
      metrics: [{ type: 'External', external: { metric: { name: 'kinfer-replica-demand', selector: { matchLabels: { 'kinfer.dev/workload': 'llama-l4' } } }, target: { type: 'AverageValue', averageValue: '1' } } }],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: 600, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
      },
    });
  });
});
