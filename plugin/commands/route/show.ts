import { Args, Flags } from '@oclif/core';
import { pickerServiceName } from '../../../src/manifests/model.js';
import { PICKER_HEALTH_PORT } from '../../../src/manifests/picker.js';
import { parsePickerConfig } from '../../../src/routing/config.js';
import { KubeCommand } from '../../base.js';
import { table } from '../../render.js';
import { currentConfig, requirePool } from '../../route.js';
import { outputFlag } from '../../flags.js';

interface DebugEndpoints {
  profile: string;
  endpoints: { address: string; metrics: { kvCacheUsage?: number; waiting?: number; running?: number } | null; inFlight: number; decisions: number; lastError: string | null; score: number | null }[];
}

export default class RouteShow extends KubeCommand {
  static override summary = "Show a pool's picker: its config (profiles, plugins, weights) and each endpoint's state and score.";

  static override examples = ['<%= config.bin %> route show llama -n ml', '<%= config.bin %> route show llama --picker-url http://127.0.0.1:9003'];

  static override args = { pool: Args.string({ required: true, description: 'InferencePool name' }) };

  static override flags = {
    'picker-url': Flags.string({ summary: "Ask a picker directly at this health URL instead of through the API server's service proxy." }),
    output: outputFlag(['json'] as const, 'Print as JSON.'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RouteShow);
    const cluster = this.cluster(flags);
    await requirePool(cluster, args.pool);
    const yaml = await currentConfig(cluster, args.pool);
    const parsed = yaml === undefined ? undefined : parsePickerConfig(yaml);
    let live: DebugEndpoints | undefined;
    let liveError: string | undefined;
    try {
      const text = flags['picker-url']
        ? await (await fetch(new URL('/debug/endpoints', flags['picker-url']), { signal: AbortSignal.timeout(5000) })).text()
        : await cluster.serviceGet(pickerServiceName(args.pool), PICKER_HEALTH_PORT, 'debug/endpoints');
      live = JSON.parse(text) as DebugEndpoints;
    } catch (error) {
      liveError = (error as Error).message;
    }
    if (flags.output === 'json') {
      this.log(JSON.stringify({ pool: args.pool, picker: pickerServiceName(args.pool), config: parsed?.ok ? parsed.value : null, live: live ?? null, liveError: liveError ?? null }, null, 2));
      return;
    }
    this.log(`pool ${cluster.namespace}/${args.pool}: picker ${pickerServiceName(args.pool)}`);
    if (yaml === undefined) this.log('config: none (run kubectl inference route install)');
    else if (!parsed?.ok) this.log(`config: INVALID: ${parsed?.error}`);
    else {
      for (const profile of parsed.value.schedulingProfiles) {
        this.log(`profile ${profile.name}: ${profile.plugins.map((p) => (p.weight !== undefined ? `${p.pluginRef} ×${p.weight}` : p.pluginRef)).join(', ')}`);
      }
    }
    if (!live) {
      this.log(`endpoints: the picker did not answer (${liveError})`);
      return;
    }
    const pct = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v * 100)}%`);
    this.log(table(['ENDPOINT', 'KV', 'WAITING', 'RUNNING', 'IN FLIGHT', 'ROUTED', 'SCORE', 'STATE'], live.endpoints.map((e) => [
      e.address, pct(e.metrics?.kvCacheUsage), String(e.metrics?.waiting ?? '-'), String(e.metrics?.running ?? '-'), String(e.inFlight), String(e.decisions),
      e.score === null ? '-' : e.score.toFixed(3), e.lastError ? `unreachable: ${e.lastError}` : e.metrics ? 'ok' : 'no metrics yet',
    ])));
  }
}
