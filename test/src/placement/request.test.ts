import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelRegistry } from '../../../src/models/user.js';
import { parsePlacementRequest, type AnnotationError } from '../../../src/placement/request.js';
import { GiB } from '../../../src/units/quantity.js';
import { aPod, type PodBuilder } from '../../builders.js';

const models = new ModelRegistry();
const llama8b = (): PodBuilder => aPod('p').model('meta-llama/Llama-3.1-8B-Instruct').gpus(1);

describe('parsePlacementRequest: pods kinfer does not constrain', () => {
  const cases: { name: string; pod: PodBuilder }[] = [
    { name: 'no annotations, with a GPU', pod: aPod('p').gpus(1) },
    { name: 'annotations but no accelerator request', pod: aPod('p').model('meta-llama/Llama-3.1-8B-Instruct') },
    { name: 'other annotations only', pod: aPod('p').annotate('example.com/x', 'y').gpus(2) },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(parsePlacementRequest(c.pod.build(), models), { ok: true, value: undefined }));
  }
});

describe('parsePlacementRequest: valid pods', () => {
  it('derives the HBM need from the model with DESIGN.md defaults', () => {
    const parsed = parsePlacementRequest(llama8b().build(), models);
    assert.ok(parsed.ok && parsed.value);
    const r = parsed.value;
    assert.deepEqual(r.devices, { resourceName: 'nvidia.com/gpu', count: 1 });
    assert.equal(r.maxModelLen, 8192);
    assert.equal(r.kvReserveSeqs, 1);
    assert.equal(r.memoryUtilization, 0.92);
    assert.equal(r.dtype, 'bf16');
    assert.equal(r.kvCacheDtype, 'bf16');
    assert.equal(r.model?.id, 'meta-llama/Llama-3.1-8B-Instruct');
    assert.ok(r.hbm && r.hbm.weightsBytes > 14 * GiB && r.hbm.weightsBytes < 16 * GiB, `weights ${r.hbm?.weightsBytes}`);
    assert.equal(r.hbm.kvBytes, 8192 * 128 * 1024);
    assert.equal(r.hbm.totalBytes, r.hbm.weightsBytes + r.hbm.kvBytes + r.hbm.overheadBytes);
  });

  it('reads every annotation', () => {
    const parsed = parsePlacementRequest(aPod('p', 'ml').model('meta-llama/Llama-3.1-70B-Instruct')
      .kinfer('max-model-len', '32768').kinfer('kv-reserve-seqs', '16').kinfer('dtype', 'fp8').kinfer('kv-cache-dtype', 'fp8')
      .kinfer('accelerators', 'nvidia-h200-141gb, nvidia-h100-80gb').kinfer('memory-utilization', '0.9')
      .kinfer('group', 'llama-0').kinfer('group-size', '2').gpus(4).build(), models);
    assert.ok(parsed.ok && parsed.value);
    const r = parsed.value;
    assert.equal(r.namespace, 'ml');
    assert.deepEqual([r.maxModelLen, r.kvReserveSeqs, r.dtype, r.kvCacheDtype, r.memoryUtilization], [32768, 16, 'fp8', 'fp8', 0.9]);
    assert.deepEqual(r.accelerators, ['nvidia-h200-141gb', 'nvidia-h100-80gb']);
    assert.deepEqual(r.group, { name: 'llama-0', size: 2 });
    // One of two members: half the replica's KV cache.
    assert.equal(r.hbm?.kvBytes, 32768 * 16 * 80 * 8 * 128 * 2 / 2);
  });

  it('kinfer.dev/max-num-seqs is a deprecated name of kv-reserve-seqs: read, with a deprecation, and the new name wins', () => {
    const cases: { name: string; pod: PodBuilder; seqs: number; deprecations: RegExp[] }[] = [
      { name: 'new name only', pod: llama8b().kinfer('kv-reserve-seqs', '4'), seqs: 4, deprecations: [] },
      { name: 'old name only', pod: llama8b().kinfer('max-num-seqs', '4'), seqs: 4, deprecations: [/^kinfer.dev\/max-num-seqs is deprecated: it is the KV reservation, now kinfer.dev\/kv-reserve-seqs$/] },
      { name: 'both', pod: llama8b().kinfer('max-num-seqs', '4').kinfer('kv-reserve-seqs', '2'), seqs: 2, deprecations: [/which this pod also sets, and which wins/] },
    ];
    for (const c of cases) {
      const parsed = parsePlacementRequest(c.pod.build(), models);
      assert.ok(parsed.ok && parsed.value, c.name);
      assert.equal(parsed.value.kvReserveSeqs, c.seqs, c.name);
      const got = parsed.value.deprecations ?? [];
      assert.equal(got.length, c.deprecations.length, c.name);
      c.deprecations.forEach((re, i) => assert.match(got[i]!, re, c.name));
    }
  });

  it('kinfer.dev/hbm overrides the derived figure and needs no model', () => {
    const parsed = parsePlacementRequest(aPod('p').kinfer('hbm', '60Gi').gpus(1).build(), models);
    assert.ok(parsed.ok && parsed.value);
    assert.equal(parsed.value.hbm?.totalBytes, 60 * GiB);
    const withModel = parsePlacementRequest(llama8b().kinfer('hbm', '20Gi').build(), models);
    assert.ok(withModel.ok && withModel.value);
    assert.equal(withModel.value.hbm?.totalBytes, 20 * GiB);
  });

  it('an unknown model with kinfer.dev/hbm is fine', () => {
    const parsed = parsePlacementRequest(aPod('p').model('acme/secret-model').kinfer('hbm', '30Gi').gpus(1).build(), models);
    assert.ok(parsed.ok && parsed.value);
    assert.equal(parsed.value.modelId, 'acme/secret-model');
  });

  it('TPU topology and MIG resources', () => {
    const tpu = parsePlacementRequest(aPod('p').kinfer('hbm', '100Gi').kinfer('tpu-topology', '2x4').devices('google.com/tpu', 8).build(), models);
    assert.ok(tpu.ok && tpu.value);
    assert.equal(tpu.value.tpuTopology, '2x4');
    assert.deepEqual(tpu.value.devices, { resourceName: 'google.com/tpu', count: 8 });
    const mig = parsePlacementRequest(aPod('p').kinfer('hbm', '30Gi').devices('nvidia.com/mig-3g.40gb', 1).build(), models);
    assert.ok(mig.ok && mig.value);
    assert.deepEqual(mig.value.devices, { resourceName: 'nvidia.com/mig-3g.40gb', count: 1 });
  });
});

describe('parsePlacementRequest: bad annotations give typed errors naming the annotation and value', () => {
  const cases: { name: string; pod: PodBuilder; expect: Partial<Omit<AnnotationError, 'problem'>> & { problem: RegExp } }[] = [
    { name: 'negative max-model-len', pod: llama8b().kinfer('max-model-len', '-5'), expect: { annotation: 'kinfer.dev/max-model-len', value: '-5', problem: /whole number/ } },
    { name: 'non-numeric max-model-len', pod: llama8b().kinfer('max-model-len', 'lots'), expect: { annotation: 'kinfer.dev/max-model-len', value: 'lots', problem: /whole number/ } },
    { name: 'zero max-num-seqs', pod: llama8b().kinfer('max-num-seqs', '0'), expect: { annotation: 'kinfer.dev/max-num-seqs', value: '0', problem: /at least 1/ } },
    { name: 'zero kv-reserve-seqs', pod: llama8b().kinfer('kv-reserve-seqs', '0'), expect: { annotation: 'kinfer.dev/kv-reserve-seqs', value: '0', problem: /at least 1/ } },
    { name: 'fractional max-num-seqs', pod: llama8b().kinfer('max-num-seqs', '2.5'), expect: { annotation: 'kinfer.dev/max-num-seqs', problem: /whole number/ } },
    { name: 'unknown dtype', pod: llama8b().kinfer('dtype', 'fp3'), expect: { annotation: 'kinfer.dev/dtype', value: 'fp3', problem: /./ } },
    { name: 'unknown kv-cache-dtype', pod: llama8b().kinfer('kv-cache-dtype', 'int4'), expect: { annotation: 'kinfer.dev/kv-cache-dtype', value: 'int4', problem: /./ } },
    { name: 'unknown model without hbm', pod: aPod('p').model('acme/nope').gpus(1), expect: { annotation: 'kinfer.dev/model', value: 'acme/nope', problem: /unknown model.*kinfer.dev\/hbm/ } },
    { name: 'hbm not a quantity', pod: llama8b().kinfer('hbm', 'eighty gigs'), expect: { annotation: 'kinfer.dev/hbm', value: 'eighty gigs', problem: /quantity/ } },
    { name: 'hbm zero', pod: llama8b().kinfer('hbm', '0'), expect: { annotation: 'kinfer.dev/hbm', value: '0', problem: /positive/ } },
    { name: 'memory-utilization above 1', pod: llama8b().kinfer('memory-utilization', '1.5'), expect: { annotation: 'kinfer.dev/memory-utilization', value: '1.5', problem: /between 0 and 1|at most 1/ } },
    { name: 'memory-utilization zero', pod: llama8b().kinfer('memory-utilization', '0'), expect: { annotation: 'kinfer.dev/memory-utilization', value: '0', problem: /above 0/ } },
    { name: 'accelerators with a bad name', pod: llama8b().kinfer('accelerators', 'H100 SXM'), expect: { annotation: 'kinfer.dev/accelerators', problem: /lowercase/ } },
    { name: 'accelerators empty', pod: llama8b().kinfer('accelerators', ' , '), expect: { annotation: 'kinfer.dev/accelerators', problem: /no accelerator/ } },
    { name: 'tpu-topology malformed', pod: llama8b().kinfer('tpu-topology', '2 by 4'), expect: { annotation: 'kinfer.dev/tpu-topology', value: '2 by 4', problem: /2x4/ } },
    { name: 'group without size', pod: llama8b().kinfer('group', 'g1'), expect: { annotation: 'kinfer.dev/group', problem: /group-size/ } },
    { name: 'group-size without group', pod: llama8b().kinfer('group-size', '2'), expect: { annotation: 'kinfer.dev/group-size', problem: /kinfer.dev\/group / } },
    { name: 'a typo in an annotation name', pod: llama8b().kinfer('max-model-length', '4096'), expect: { annotation: 'kinfer.dev/max-model-length', problem: /unknown kinfer annotation/ } },
    { name: 'max-model-len above the model context', pod: llama8b().kinfer('max-model-len', '1000000'), expect: { annotation: 'kinfer.dev/max-model-len', value: '1000000', problem: /maximum context/ } },
    { name: 'two kinds of accelerator', pod: llama8b().devices('amd.com/gpu', 1), expect: { annotation: 'resources', problem: /one kind of accelerator/ } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const parsed = parsePlacementRequest(c.pod.build(), models);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      const found = parsed.error.find((e) => e.annotation === c.expect.annotation);
      assert.ok(found, `no error for ${c.expect.annotation}: ${JSON.stringify(parsed.error)}`);
      if (c.expect.value !== undefined) assert.equal(found.value, c.expect.value);
      assert.match(found.problem, c.expect.problem);
    });
  }

  it('reports every bad annotation at once', () => {
    const parsed = parsePlacementRequest(llama8b().kinfer('max-model-len', 'x').kinfer('dtype', 'y').build(), models);
    assert.ok(!parsed.ok);
    assert.deepEqual(parsed.error.map((e) => e.annotation).sort(), ['kinfer.dev/dtype', 'kinfer.dev/max-model-len']);
  });
});

describe('parsePlacementRequest: LeaderWorkerSet groups', () => {
  const lwsPod = () => aPod('big-0-1').kinfer('hbm', '500Gi').gpus(8)
    .label('leaderworkerset.sigs.k8s.io/name', 'big').label('leaderworkerset.sigs.k8s.io/group-index', '0');
  it('names the group from the LWS labels when kinfer.dev/group-size is set', () => {
    const parsed = parsePlacementRequest(lwsPod().kinfer('group-size', '2').build(), models);
    assert.ok(parsed.ok && parsed.value);
    assert.deepEqual(parsed.value.group, { name: 'big-0', size: 2 });
  });
  it('a member needs its share of the replica: weights and KV over the members, its own devices\' overhead whole', () => {
    const build = (size?: number) => {
      const pod = aPod('big-0').model('meta-llama/Llama-3.1-405B-Instruct').gpus(8)
        .label('leaderworkerset.sigs.k8s.io/name', 'big').label('leaderworkerset.sigs.k8s.io/group-index', '0');
      const parsed = parsePlacementRequest((size === undefined ? pod : pod.kinfer('group-size', String(size))).build(), models);
      assert.ok(parsed.ok && parsed.value?.hbm);
      return parsed.value.hbm;
    };
    const whole = build();
    for (const size of [2, 4]) {
      const member = build(size);
      assert.equal(member.weightsBytes, whole.weightsBytes / size);
      assert.equal(member.kvBytes, whole.kvBytes / size);
      assert.equal(member.overheadBytes, whole.overheadBytes);
      assert.equal(member.totalBytes, member.weightsBytes + member.kvBytes + member.overheadBytes);
    }
    // kinfer.dev/hbm is the replica's figure: a member needs its share of it.
    const overridden = parsePlacementRequest(lwsPod().kinfer('group-size', '2').build(), models);
    assert.ok(overridden.ok && overridden.value);
    assert.equal(overridden.value.hbm?.totalBytes, 250 * GiB);
  });
  it('an LWS pod without kinfer.dev/group-size is a single-host request', () => {
    const parsed = parsePlacementRequest(lwsPod().build(), models);
    assert.ok(parsed.ok && parsed.value);
    assert.equal(parsed.value.group, undefined);
  });
});
