// Loaded into the extender server process with `--import` (by bench/extender.bench.ts), so it measures any
// build of the server, old or new, without the server knowing: between a 'gc-start' and a 'gc-stop' IPC
// message it records every GC with v8.GCProfiler and answers with the V8 heap bytes allocated (heap growth
// plus what each GC freed), the GC count by kind and the time spent in GC pauses. Buffers outside the V8
// heap (socket chunks) are not counted: they do not drive the scavenger. It also reports the CPU time the
// process used (user + system): on a shared machine, CPU per request holds where wall time is mostly waiting.
// With BENCH_CPU_PROF=<dir> in its environment it also records a V8 CPU profile of the same timed loop only
// (not the cache fill nor the in-process timings) into <dir>/<BENCH_CPU_PROF_NAME>-<n>.cpuprofile.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { GcFigures } from './protocol.js';

let profiler: v8.GCProfiler | undefined;
let usedAtStart = 0;
let startedAt = 0;
let cpuAtStart: NodeJS.CpuUsage | undefined;
const profileDir = process.env.BENCH_CPU_PROF;
let session: Session | undefined;
let profiles = 0;

process.on('message', (message: { type?: string }) => {
  if (message.type === 'gc-start') {
    profiler = new v8.GCProfiler();
    usedAtStart = v8.getHeapStatistics().used_heap_size;
    startedAt = performance.now();
    cpuAtStart = process.cpuUsage();
    if (profileDir) {
      session = new Session();
      session.connect();
      session.post('Profiler.enable', () => session?.post('Profiler.start'));
    }
    profiler.start();
  } else if (message.type === 'gc-stop' && profiler) {
    const wallMs = performance.now() - startedAt;
    const cpu = process.cpuUsage(cpuAtStart);
    const result = profiler.stop();
    profiler = undefined;
    const usedAtEnd = v8.getHeapStatistics().used_heap_size;
    let freedBytes = 0;
    let pauseMs = 0;
    const counts: Record<string, number> = {};
    for (const gc of result?.statistics ?? []) {
      freedBytes += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
      pauseMs += gc.cost / 1000;
      counts[gc.gcType] = (counts[gc.gcType] ?? 0) + 1;
    }
    const figures: GcFigures = { allocatedBytes: usedAtEnd - usedAtStart + freedBytes, pauseMs, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, counts };
    if (session) {
      const done = session;
      session = undefined;
      const file = `${profileDir}/${process.env.BENCH_CPU_PROF_NAME ?? 'server'}-${++profiles}.cpuprofile`;
      done.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(file, JSON.stringify(result.profile));
        done.disconnect();
        process.send?.({ type: 'gc', figures });
      });
      return;
    }
    process.send?.({ type: 'gc', figures });
  }
});
