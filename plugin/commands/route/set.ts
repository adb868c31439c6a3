import { Args, Flags } from '@oclif/core';
import { KubeCommand } from '../../base.js';
import { configFromFlags, requirePool, writeConfig } from '../../route.js';
import { dryRunFlag } from '../../flags.js';

export default class RouteSet extends KubeCommand {
  static override summary = "Set a pool's scoring profile: scorers and their weights, and the picker.";

  static override description = `Writes an EndpointPickerConfig with one scheduling profile into the pool's picker ConfigMap and shows the diff.
kinfer-picker reloads it within seconds (no restart). Scorers: kv-cache, queue, prefix, lora, predicted-latency.`;

  static override examples = [
    { description: "The Inference Extension's default weights:", command: '<%= config.bin %> route set llama --scorer queue=2 --scorer kv-cache=2 --scorer prefix=3' },
    { description: "kinfer's predicted-latency profile:", command: '<%= config.bin %> route set llama --scorer predicted-latency=4 --scorer kv-cache=1' },
  ];

  static override args = { pool: Args.string({ required: true, description: 'InferencePool name' }) };

  static override flags = {
    scorer: Flags.string({ multiple: true, required: true, summary: 'NAME=WEIGHT; repeat for each scorer.' }),
    picker: Flags.option({ options: ['max-score', 'random'] as const, default: 'max-score' as const, summary: 'How the endpoint is chosen from the scores.' })(),
    'dry-run': dryRunFlag(),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RouteSet);
    const { config } = configFromFlags(flags.scorer, flags.picker);
    const cluster = this.cluster(flags);
    await requirePool(cluster, args.pool);
    await writeConfig(cluster, args.pool, config, flags['dry-run'], (line) => this.log(line));
  }
}
