import { Args, Flags } from '@oclif/core';
import { acceleratorByName } from '../../../src/accelerators/catalog.js';
import { DEFAULT_MEMORY_UTILIZATION } from '../../../src/models/memory.js';
import type { ModelSpec } from '../../../src/models/spec.js';
import { profileDoubts } from '../../../src/profiles/judgement.js';
import { profilesDocument, type PerfProfile } from '../../../src/profiles/profile.js';
import { estimateProfile } from '../../../src/profiles/roofline.js';
import { UsageError } from '../../../src/usage.js';
import { LocalCommand } from '../../base.js';
import { figure } from '../../profiles/format.js';
import { loadModels } from '../../models.js';
import { openStore } from '../../profiles/open.js';
import { age, formatData, table } from '../../render.js';
import { outputFlag, profilesFlag } from '../../flags.js';

export default class ProfilesList extends LocalCommand {
  static override summary = 'List the stored latency-vs-throughput profiles.';

  static override description = `Profiles come from kubectl inference bench and kubectl inference profiles import; recommend uses the
measured ones. Each row is one model, server, accelerator, TP size and workload shape. A measured profile with
stages of too few requests, or whose figures imply implausible efficiencies against the roofline estimate, is
flagged in DOUBTS: recommend does not calibrate with it.`;

  static override examples = [
    { description: 'Everything in the store:', command: '<%= config.bin %> profiles list' },
    { description: "One model's profiles, as YAML:", command: '<%= config.bin %> profiles list meta-llama/Llama-3.1-8B-Instruct -o yaml' },
  ];

  static override args = { model: Args.string({ description: 'Only this model id' }) };

  static override flags = {
    accelerator: Flags.string({ summary: 'Only this accelerator type.' }),
    profiles: profilesFlag(),
    output: outputFlag(['json', 'yaml'] as const, 'Print the profiles (with every point) as data.'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ProfilesList);
    if (flags.accelerator === '') throw new UsageError('--accelerator: empty');
    const store = openStore(flags.profiles, 'read');
    const { profiles, skipped } = store.list({ ...(args.model ? { model: args.model } : {}), ...(flags.accelerator ? { accelerator: flags.accelerator } : {}) });
    store.close();
    for (const s of skipped) this.note(`warning: skipped a stored profile that does not parse: ${s}`);
    if (flags.output) {
      const doc = profilesDocument(profiles);
      this.log(formatData(doc, flags.output));
      return;
    }
    if (profiles.length === 0) {
      this.note(`no profiles in ${store.path}${args.model ? ` for ${args.model}` : ''}; make one with kubectl inference bench, or import one with kubectl inference profiles import`);
      return;
    }
    const models = loadModels({});
    this.log(table(['MODEL', 'SERVER', 'ACCELERATOR', 'TP', 'IN', 'OUT', 'SOURCE', 'POINTS', 'MAX TOK/S', 'AGE', 'ORIGIN', 'DOUBTS'], profiles.map((p) => [
      p.key.model, p.key.server, p.key.accelerator, String(p.key.tp), String(p.key.inputTokens), String(p.key.outputTokens), p.source, String(p.points.length),
      figure(Math.max(...p.points.map((x) => x.outputTokensPerSecond))), age(p.createdAt), p.origin, doubtsOf(p, models.get(p.key.model)).join('; ') || '-',
    ])));
  }
}

/** What src/profiles/judgement.ts doubts about a measured profile, estimated against the catalog's figures. */
function doubtsOf(profile: PerfProfile, model: ModelSpec | undefined): string[] {
  if (profile.source !== 'measured') return [];
  const accelerator = acceleratorByName(profile.key.accelerator);
  const estimate = model && accelerator
    ? estimateProfile({ model, accelerator, tp: profile.key.tp, dtype: model.nativeDtype, kvCacheDtype: 'bf16', memoryUtilization: DEFAULT_MEMORY_UTILIZATION, workload: profile.key })
    : undefined;
  return profileDoubts(profile, estimate?.ok ? estimate.value.points : undefined);
}
