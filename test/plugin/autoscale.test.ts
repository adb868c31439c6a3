import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoscaleCell, autoscaleLine, autoscaleStatus, quantity, totalDemand, type Autoscaler } from '../../plugin/autoscale.js';

/** An HPA as `deploy --autoscale` makes it (src/autoscale/hpa.ts) after the controller has read the metric. */
const HPA: Autoscaler = {
  metadata: { name: 'llama-nvidia-l4', namespace: 'ml', labels: { 'kinfer.dev/deployment': 'llama' } },
  spec: {
    minReplicas: 1, maxReplicas: 4, scaleTargetRef: { name: 'llama-nvidia-l4' },
    metrics: [{ external: { metric: { name: 'kinfer-replica-demand' } } }],
  },
  status: { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ external: { current: { averageValue: '1205m' } } }] },
};

describe('autoscale: one reading of an HPA for list and top', () => {
  it('autoscaleStatus reads the model, the scaled Deployment, replicas, bounds, metric and demand', () => {
    assert.deepEqual(autoscaleStatus(HPA), {
      namespace: 'ml', deployment: 'llama', workload: 'llama-nvidia-l4', currentReplicas: 2, desiredReplicas: 3,
      minReplicas: 1, maxReplicas: 4, metric: 'kinfer-replica-demand', demandPerReplica: '1205m',
    });
  });

  it("list's AUTOSCALE cell", () => {
    assert.equal(autoscaleCell(autoscaleStatus(HPA)), '3 wanted (1..4, 1205m/replica)');
    assert.equal(autoscaleCell(autoscaleStatus({ metadata: { name: 'x' }, spec: { maxReplicas: 4 } })), '? wanted (1..4)');
  });

  it("top's line: current/desired, bounds, and the demand in replicas' worth (average × current replicas)", () => {
    const status = autoscaleStatus(HPA);
    assert.ok(Math.abs(totalDemand(status)! - 2.41) < 1e-9);
    assert.equal(autoscaleLine(status), "ml/llama-nvidia-l4: 2/3 replicas (HPA wants 3, 1..4; demand 2.41 replicas' worth: kinfer-replica-demand)");
  });

  it('before the HPA controller reports, the line says so', () => {
    const fresh = autoscaleStatus({ ...HPA, status: {} });
    assert.equal(autoscaleLine(fresh), 'ml/llama-nvidia-l4: ?/? replicas (HPA wants ?, 1..4; no demand reported yet)');
  });

  it('quantities', () => {
    assert.deepEqual(['724m', '2', '1.5', '3k', 'abc'].map(quantity), [0.724, 2, 1.5, 3000, undefined]);
  });
});
