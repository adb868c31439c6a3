import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { describePool, missingFromCatalog, nodeReport, type NodeReport } from '../../../src/accelerators/node-report.js';
import { aNode } from '../../builders.js';

// `kubectl inference list nodes`: what kinfer sees per node and which labels said so.
const cases: { name: string; node: ReturnType<ReturnType<typeof aNode>['build']>; want: Partial<NodeReport>; pools?: string[] }[] = [
  {
    name: 'Karpenter node: named and sized by its instance-gpu labels',
    node: aNode('g6').label('karpenter.k8s.aws/instance-gpu-name', 'l4').label('karpenter.k8s.aws/instance-gpu-memory', '22888')
      .label('topology.kubernetes.io/zone', 'us-east-1a').resource('nvidia.com/gpu', 4).build(),
    want: {
      type: 'nvidia-l4', speedData: true, source: 'karpenter', topology: { zone: 'us-east-1a' },
      why: ['karpenter.k8s.aws/instance-gpu-name=l4', 'karpenter.k8s.aws/instance-gpu-memory=22888'], warnings: [],
    },
    pools: ['4 × 22.4 GiB'],
  },
  {
    name: 'GKE time-sharing: shares, with the sharing labels as the reason',
    node: aNode('ts').gkeGpu('nvidia-l4', 4).label('cloud.google.com/gke-gpu-sharing-strategy', 'time-sharing')
      .label('cloud.google.com/gke-max-shared-clients-per-gpu', '4').build(),
    want: {
      type: 'nvidia-l4', speedData: true, source: 'gke',
      why: ['cloud.google.com/gke-accelerator=nvidia-l4', 'cloud.google.com/gke-gpu-sharing-strategy=time-sharing, cloud.google.com/gke-max-shared-clients-per-gpu=4'],
    },
    pools: ['4 shares × 5.6 GiB (time-slicing, 4 per GPU of 22.5 GiB)'],
  },
  {
    name: 'AKS: vendor only, memory unknown',
    node: aNode('aks').label('kubernetes.azure.com/accelerator', 'nvidia').resource('nvidia.com/gpu', 1).build(),
    want: { type: 'unknown:aks:nvidia', speedData: false, source: 'aks', why: ['kubernetes.azure.com/accelerator=nvidia'] },
    pools: ['1 × memory unknown'],
  },
  {
    name: 'MIG mixed and a GKE block/sub-block',
    node: aNode('mig').gfdGpu('NVIDIA-A100-SXM4-80GB', 0).resource('nvidia.com/mig-3g.40gb', 2)
      .label('cloud.google.com/gce-topology-block', 'b1').label('cloud.google.com/gce-topology-subblock', 's2').build(),
    want: { type: 'nvidia-a100-80gb', speedData: true, topology: { block: 'b1', subBlock: 's2' } },
    pools: ['2 mig-3g.40gb × 37.3 GiB'],
  },
  {
    name: 'CPU node: nothing to say',
    node: aNode('cpu').build(),
    want: { speedData: false, pools: [], why: [] },
    pools: [],
  },
];

describe('nodeReport', () => {
  for (const c of cases) {
    it(c.name, () => {
      const report = nodeReport(c.node);
      const picked = Object.fromEntries(Object.keys(c.want).map((k) => [k, (report as unknown as Record<string, unknown>)[k]]));
      assert.deepEqual(picked, c.want);
      if (c.pools) assert.deepEqual(report.pools.map(describePool), c.pools);
    });
  }
});

describe('missingFromCatalog', () => {
  it('lists types without speed data once, with node counts and whether their memory is known', () => {
    const reports = [
      aNode('a').label('karpenter.k8s.aws/instance-gpu-name', 'a10g').label('karpenter.k8s.aws/instance-gpu-memory', '22888').resource('nvidia.com/gpu', 1),
      aNode('b').label('karpenter.k8s.aws/instance-gpu-name', 'a10g').label('karpenter.k8s.aws/instance-gpu-memory', '22888').resource('nvidia.com/gpu', 4),
      aNode('c').label('kubernetes.azure.com/accelerator', 'nvidia').resource('nvidia.com/gpu', 1),
      aNode('d').gkeGpu('nvidia-l4', 1),
      aNode('e'),
    ].map((b) => nodeReport(b.build()));
    assert.deepEqual(missingFromCatalog(reports), [
      { type: 'nvidia-a10g', nodes: 2, sized: true },
      { type: 'unknown:aks:nvidia', nodes: 1, sized: false },
    ]);
  });
});
