import { Args, Flags } from '@oclif/core';
import { LocalCommand } from '../../base.js';
import { openStore } from '../../profiles/open.js';
import { profilesFlag } from '../../flags.js';

export default class ProfilesDelete extends LocalCommand {
  static override summary = "Delete a model's stored profiles.";

  static override examples = [
    { description: 'Forget every profile of a model:', command: '<%= config.bin %> profiles delete meta-llama/Llama-3.1-8B-Instruct' },
    { description: 'Only the measured ones on one accelerator type:', command: '<%= config.bin %> profiles delete meta-llama/Llama-3.1-8B-Instruct --accelerator nvidia-l4 --measured' },
  ];

  static override args = { model: Args.string({ required: true, description: 'Model id' }) };

  static override flags = {
    accelerator: Flags.string({ summary: 'Only this accelerator type.' }),
    measured: Flags.boolean({ default: false, summary: 'Only measured profiles.' }),
    profiles: profilesFlag(),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ProfilesDelete);
    const store = openStore(flags.profiles, 'write');
    const removed = store.remove({ model: args.model, ...(flags.accelerator ? { accelerator: flags.accelerator } : {}), ...(flags.measured ? { source: 'measured' as const } : {}) });
    store.close();
    this.log(`deleted ${removed} profile${removed === 1 ? '' : 's'} of ${args.model}`);
  }
}
