// Messages between the benchmark (parent) and the extender server process (child), over the fork IPC channel.
import type { Breakdown, CoreTiming, Mode } from './core.js';
import { memoryAfterGc, type Memory } from './stats.js';

export type ToServer =
  | { readonly type: 'memory' }
  /** Server-side times of the requests served since the last such message (which it then forgets). */
  | { readonly type: 'server-times' }
  | { readonly type: 'core'; readonly modes: readonly Mode[]; readonly pairs: Record<Mode, number>; readonly maxMs: number; readonly breakdownRuns: number }
  | { readonly type: 'exit' }
  /** Handled by gc-probe.ts (loaded with --import), not by the server: GC recording around a timed loop. */
  | { readonly type: 'gc-start' }
  | { readonly type: 'gc-stop' };

/** What gc-probe.ts measured between 'gc-start' and 'gc-stop'. */
export interface GcFigures {
  /** V8 heap bytes allocated: heap growth plus the bytes every GC freed. */
  readonly allocatedBytes: number;
  /** Time inside GC pauses (v8.GCProfiler cost), ms. */
  readonly pauseMs: number;
  readonly wallMs: number;
  /** CPU time of the server process (user + system), ms: all threads, GC helpers included. */
  readonly cpuMs: number;
  /** GCs by kind (Scavenge, MarkSweepCompact, ...). */
  readonly counts: Readonly<Record<string, number>>;
}

export type FromServer =
  | { readonly type: 'ready'; readonly port: number; readonly nodes: number; readonly podsFed: number; readonly slimPods: number; readonly fillMs: number; readonly memory: Memory }
  | { readonly type: 'memory'; readonly memory: Memory }
  | {
    readonly type: 'server-times';
    /** Whole requests, server-side. */
    readonly filter: readonly number[];
    readonly prioritize: readonly number[];
    /** ExtenderService.filter / prioritize within those requests. */
    readonly serviceFilter: readonly number[];
    readonly servicePrioritize: readonly number[];
  }
  | { readonly type: 'core'; readonly timings: readonly CoreTiming[]; readonly breakdowns: readonly Breakdown[] }
  | { readonly type: 'gc'; readonly figures: GcFigures };

/** Server-side times per verb, and (kinfer's server only) ExtenderService's share of them, ms. */
export interface ServedTimes {
  readonly filter: number[];
  readonly prioritize: number[];
  readonly serviceFilter?: number[];
  readonly servicePrioritize?: number[];
}

/** The answer every benchmark server gives to 'memory' and 'server-times' (which hands over and forgets the times); undefined for other messages. */
export function commonReply(message: ToServer, times: ServedTimes): FromServer | undefined {
  if (message.type === 'memory') return { type: 'memory', memory: memoryAfterGc() };
  if (message.type !== 'server-times') return undefined;
  return {
    type: 'server-times', filter: times.filter.splice(0), prioritize: times.prioritize.splice(0),
    serviceFilter: times.serviceFilter?.splice(0) ?? [], servicePrioritize: times.servicePrioritize?.splice(0) ?? [],
  };
}
