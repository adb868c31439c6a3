import { Args, Flags } from '@oclif/core';
import { KubeCommand } from '../../base.js';
import { readFlagFile } from '../../files.js';
import { requirePool, validated, writeConfig } from '../../route.js';
import { dryRunFlag } from '../../flags.js';

export default class RouteApply extends KubeCommand {
  static override summary = "Apply an EndpointPickerConfig file to a pool's picker.";

  static override description = `Validates the file (plugin types, parameters, profile references; errors name the bad field), writes it into the
pool's picker ConfigMap, and shows the diff. kinfer-picker reloads it within seconds.`;

  static override examples = ['<%= config.bin %> route apply llama -f picker.yaml', '<%= config.bin %> route apply llama -f picker.yaml --dry-run=server'];

  static override args = { pool: Args.string({ required: true, description: 'InferencePool name' }) };

  static override flags = {
    filename: Flags.string({ char: 'f', required: true, summary: 'EndpointPickerConfig YAML file.' }),
    'dry-run': dryRunFlag(),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RouteApply);
    const config = validated(readFlagFile(`-f ${flags.filename}`, flags.filename), flags.filename);
    const cluster = this.cluster(flags);
    await requirePool(cluster, args.pool);
    await writeConfig(cluster, args.pool, config, flags['dry-run'], (line) => this.log(line));
  }
}
