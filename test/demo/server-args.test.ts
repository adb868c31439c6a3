import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../e2e/harness/cluster.js';
import { hostsOf, serverArgs } from './server-args.js';

interface LwsTemplates {
  spec: { leaderWorkerTemplate: { leaderTemplate: { spec: { containers: V1Container[] } }; workerTemplate: { spec: { containers: V1Container[] } } } };
}

describe('serverArgs: the model server arguments in a pod deploy made', () => {
  const script = '/vllm-workspace/examples/online_serving/multi-node-serving.sh';
  const cases: { name: string; container: V1Container; want: string[] }[] = [
    { name: 'a plain container: its args', container: { name: 's', command: ['vllm', 'serve'], args: ['m', '--port', '8000'] }, want: ['m', '--port', '8000'] },
    {
      name: 'an LWS leader: the words after exec vllm',
      container: { name: 's', command: ['/bin/sh', '-c'], args: [`${script} leader --ray_cluster_size=$(LWS_GROUP_SIZE); exec vllm serve m --served-model-name m --port 8000 --pipeline-parallel-size 2`] },
      want: ['serve', 'm', '--served-model-name', 'm', '--port', '8000', '--pipeline-parallel-size', '2'],
    },
    { name: 'an LWS worker: no server of its own', container: { name: 's', command: ['/bin/sh', '-c'], args: [`${script} worker --ray_address=$(LWS_LEADER_ADDRESS)`] }, want: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(serverArgs(c.container), c.want));

  it('reads what deploy writes for a multi-host replica (the golden LeaderWorkerSet)', () => {
    const golden = readFileSync(join(ROOT, 'test', 'src', 'manifests', 'golden', 'llama-405b-lws.yaml'), 'utf8');
    const lws = parseAllDocuments(golden).map((d) => d.toJS() as LwsTemplates & { kind: string }).find((o) => o.kind === 'LeaderWorkerSet')!;
    const leader = serverArgs(lws.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0]);
    assert.equal(leader[leader.indexOf('--served-model-name') + 1], 'meta-llama/Llama-3.1-405B-Instruct');
    assert.equal(leader[leader.indexOf('--port') + 1], '8000');
    assert.deepEqual(serverArgs(lws.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0]), []);
  });

  it('hostsOf reads kinfer.dev/group-size, 1 without it', () => {
    assert.equal(hostsOf({ metadata: { annotations: { 'kinfer.dev/group-size': '2' } } }), 2);
    assert.equal(hostsOf({ metadata: {} }), 1);
    assert.equal(hostsOf({ metadata: { annotations: { 'kinfer.dev/group-size': 'x' } } }), 1);
  });
});
