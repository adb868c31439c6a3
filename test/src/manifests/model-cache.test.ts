import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainModelCache, modelCacheSizeBytes, parseModelCache, type ModelCache } from '../../../src/manifests/model-cache.js';
import { MODELS } from '../../../src/models/catalog.js';
import { GiB } from '../../../src/units/quantity.js';

const llama8b = MODELS.find((m) => m.id === 'meta-llama/Llama-3.1-8B-Instruct')!;
const deepseek = MODELS.find((m) => m.id.startsWith('deepseek-ai/DeepSeek-V3'))!;
const created = (claimName: string, sizeGi: number): ModelCache => ({ kind: 'pvc', claimName, create: { sizeBytes: sizeGi * GiB, sizeFrom: 'as given' } });

describe('parseModelCache', () => {
  const cases: ReadonlyArray<[string, ModelCache | undefined | RegExp]> = [
    ['none', undefined],
    ['pvc', { kind: 'pvc', claimName: 'llama-model-cache', create: { sizeBytes: 19 * GiB, sizeFrom: 'meta-llama/Llama-3.1-8B-Instruct weights (bf16) × 1.25' } }],
    ['pvc:40Gi', created('llama-model-cache', 40)],
    ['pvc:1Ti', created('llama-model-cache', 1024)],
    ['pvc:weights', { kind: 'pvc', claimName: 'weights' }],
    ['pvc:weights:100Gi', created('weights', 100)],
    ['hostpath:/var/cache/kinfer', { kind: 'hostPath', path: '/var/cache/kinfer' }],
    ['hostpath:relative', /the host path must be absolute/],
    ['hostpath:/a/../etc', /the host path must be absolute, without \.\./],
    ['pvc:10Mi', /10Mi is not a size of at least 1Gi/],
    ['pvc:weights:lots', /lots is not a size/],
    ['pvc:Weights', /Weights is not a claim name/],
    ['pvc:a:1Gi:x', /not a cache this understands/],
    ['s3://bucket', /not a cache this understands \(none \| pvc/],
    ['', /not a cache this understands/],
  ];
  for (const [flag, want] of cases) {
    it(`--model-cache ${flag || "''"}`, () => {
      const got = parseModelCache(flag, 'llama', llama8b);
      if (want instanceof RegExp) {
        assert.ok(!got.ok, `${flag} must be refused`);
        assert.match(got.error, want);
        assert.match(got.error, new RegExp(`^--model-cache ${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      } else {
        assert.deepEqual(got, { ok: true, value: want });
      }
    });
  }
});

describe('modelCacheSizeBytes', () => {
  it("sizes from the checkpoint's own precision, in whole GiB, above the weights", () => {
    for (const model of [llama8b, deepseek]) {
      const size = modelCacheSizeBytes(model);
      assert.equal(size % GiB, 0);
      assert.ok(size > model.params * (model.nativeDtype === 'bf16' ? 2 : 1), model.id);
    }
    // DeepSeek-V3 ships fp8: about 671 GB of weights, so a cache of some 800 GiB, not the 1.3 TB bf16 would take.
    assert.ok(modelCacheSizeBytes(deepseek) < 1000 * GiB && modelCacheSizeBytes(deepseek) > 700 * GiB, String(modelCacheSizeBytes(deepseek) / GiB));
  });
});

describe('explainModelCache', () => {
  it('says what is shared, where, and who deletes it', () => {
    assert.match(explainModelCache(undefined), /^model cache: {2}none: every replica downloads/);
    assert.match(explainModelCache(created('w', 40)), /PersistentVolumeClaim w \(created by deploy, ReadWriteMany, 40Gi \(as given\); delete removes it\)/);
    assert.match(explainModelCache({ kind: 'pvc', claimName: 'w' }), /your claim: mounted, never created nor deleted/);
    assert.match(explainModelCache({ kind: 'hostPath', path: '/x' }), /hostPath \/x on each node, mounted at \/model-cache \(HF_HOME\)/);
  });
});
