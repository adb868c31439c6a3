// The roofline's estimate of every public measurement in test/fixtures/measurements/public-decode.json, as
// estimated time ÷ measured time (above 1: the estimate is slower than the world), and kinfer's KV-token estimate
// against the KV caches vLLM logged (test/fixtures/measurements/vllm-kv-cache.json). Prints the Markdown tables of
// docs/recommend.md. Pure arithmetic: no servers, no timing.
//   node dist/bench/estimate-accuracy.bench.js
import { readFileSync } from 'node:fs';
import { acceleratorByName } from '../src/accelerators/catalog.js';
import { modelById } from '../src/models/catalog.js';
import type { KvDtype } from '../src/models/dtype.js';
import { kvBytesPerToken, kvReplication } from '../src/models/memory.js';
import { vllmKvBudget } from '../src/profiles/roofline.js';
import { estimateMeasured, loadMeasurements, timeRatio, tolerance } from '../test/src/profiles/measurements.js';

const fixed = (x: number, digits: number) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

console.log('| point | model (as served) | TP × accelerator | dtype | server | metric | measured | estimated | est ÷ meas | within | source |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const p of loadMeasurements()) {
  const estimate = estimateMeasured(p);
  const ratio = timeRatio(p, estimate);
  const ok = Math.abs(ratio - 1) <= tolerance(p);
  console.log(`| ${p.id} | ${p.servedModel} | ${p.tp} × ${p.accelerator} | ${p.dtype} | vLLM ${p.serverVersion} | ${p.metric} | ${fixed(p.measured, 2)} | ${fixed(estimate, 2)} | ${ratio.toFixed(3)} | ${ok ? `yes (±${tolerance(p) * 100}%)` : '**no**'} | [source](${p.url}) |`);
}

interface KvPoint { id: string; model: string; servedModel?: string; accelerator: string; tp: number; dtype: 'bf16' | 'fp8'; kvCacheDtype: KvDtype; memoryUtilization: number; kvCacheGiBPerDevice: number; url: string; derived?: string }
const kv = (JSON.parse(readFileSync(new URL('../../test/fixtures/measurements/vllm-kv-cache.json', import.meta.url), 'utf8')) as { points: KvPoint[] }).points;
console.log('');
console.log('| point | model (as served) | TP × accelerator | utilization | logged KV GiB/device | logged tokens | kinfer tokens | ratio | source |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const p of kv) {
  const model = modelById(p.model)!;
  const accelerator = acceleratorByName(p.accelerator)!;
  const logged = (p.kvCacheGiBPerDevice * 2 ** 30) / ((kvBytesPerToken(model, p.kvCacheDtype) * kvReplication(model, p.tp)) / p.tp);
  const estimate = vllmKvBudget({ model, accelerator, dtype: p.dtype, kvCacheDtype: p.kvCacheDtype, memoryUtilization: p.memoryUtilization }, p.tp).kvTokens;
  console.log(`| ${p.id} | ${p.servedModel ?? p.model} | ${p.tp} × ${p.accelerator} | ${p.memoryUtilization} | ${p.kvCacheGiBPerDevice}${p.derived ? ' (sum of the logged parts)' : ''} | ${Math.round(logged).toLocaleString('en-US')} | ${estimate.toLocaleString('en-US')} | ${(estimate / logged).toFixed(3)} | [source](${p.url}) |`);
}
