import { Args, Flags } from '@oclif/core';
import { pickerServiceName, PICKER_PORT } from '../../../src/manifests/model.js';
import { INFERENCE_POOL } from '../../../src/manifests/objects.js';
import { buildPickerObjects } from '../../../src/manifests/picker.js';
import { KINFER_CONFIG_YAML } from '../../../src/routing/config.js';
import { KubeCommand } from '../../base.js';
import { readFlagFile } from '../../files.js';
import { resourceName } from '../../render.js';
import { currentConfig, requirePool, validated } from '../../route.js';
import { dryRunSuffix } from '../../dry-run.js';
import { dryRunFlag } from '../../flags.js';

export default class RouteInstall extends KubeCommand {
  static override summary = 'Install kinfer-picker for an InferencePool and point the pool at it.';

  static override description = `Applies a kinfer-picker Deployment (ext_proc mode), its Service, its config (kinfer's predicted-latency profile, or
-f FILE; an existing config is kept), and a ServiceAccount that may only read the pool and watch its pods; then sets the
pool's endpointPickerRef to the picker. \`kubectl inference deploy\` does this for every pool it creates.`;

  static override examples = ['<%= config.bin %> route install llama -n ml', '<%= config.bin %> route install llama -f picker.yaml --image registry.example.com/kinfer:0.1.0'];

  static override args = { pool: Args.string({ required: true, description: 'InferencePool name' }) };

  static override flags = {
    filename: Flags.string({ char: 'f', summary: "EndpointPickerConfig YAML (default: kinfer's predicted-latency profile)." }),
    image: Flags.string({ summary: 'kinfer image (default: the release image).' }),
    'dry-run': dryRunFlag(),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RouteInstall);
    const yaml = flags.filename ? readFlagFile(`-f ${flags.filename}`, flags.filename) : KINFER_CONFIG_YAML;
    validated(yaml, flags.filename ?? 'the built-in config');
    const cluster = this.cluster(flags);
    const pool = await requirePool(cluster, args.pool);
    // A config someone already tuned (route set/apply) survives a reinstall unless -f says otherwise.
    const existing = flags.filename ? undefined : await currentConfig(cluster, args.pool);
    const objects = buildPickerObjects({ pool: args.pool, namespace: cluster.namespace, configYaml: existing ?? yaml, ...(flags.image ? { image: flags.image } : {}) });
    for (const object of objects) {
      if (flags['dry-run'] !== 'client') await cluster.apply(object, flags['dry-run'] === 'server');
      this.log(`${resourceName(object)} serverside-applied${dryRunSuffix(flags['dry-run'])}`);
    }
    const ref = (pool as { spec?: { endpointPickerRef?: { name?: string; port?: { number?: number } } } }).spec?.endpointPickerRef;
    if (ref?.name !== pickerServiceName(args.pool) || ref.port?.number !== PICKER_PORT) {
      if (flags['dry-run'] !== 'client') await cluster.apply({
        apiVersion: `${INFERENCE_POOL.group}/${INFERENCE_POOL.version}`,
        kind: INFERENCE_POOL.kind,
        metadata: { name: args.pool, namespace: cluster.namespace },
        spec: { endpointPickerRef: { name: pickerServiceName(args.pool), port: { number: PICKER_PORT } } },
      }, flags['dry-run'] === 'server', 'kubectl-inference-route');
      this.log(`inferencepool.inference.networking.k8s.io/${args.pool} endpointPickerRef set to ${pickerServiceName(args.pool)}:${PICKER_PORT}${dryRunSuffix(flags['dry-run'])}`);
    }
  }
}
