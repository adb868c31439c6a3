import { writeFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { profilesDocument } from '../../../src/profiles/profile.js';
import { UsageError } from '../../../src/usage.js';
import { LocalCommand } from '../../base.js';
import { openStore } from '../../profiles/open.js';
import { profilesFlag } from '../../flags.js';

export default class ProfilesExport extends LocalCommand {
  static override summary = 'Export stored profiles as JSON (what profiles import reads back).';

  static override examples = [
    { description: 'Every profile to a file, to share or to seed another machine:', command: '<%= config.bin %> profiles export -f profiles.json' },
    { description: "One model's measured profiles to stdout:", command: '<%= config.bin %> profiles export meta-llama/Llama-3.1-8B-Instruct --measured' },
  ];

  static override args = { model: Args.string({ description: 'Only this model id' }) };

  static override flags = {
    file: Flags.string({ char: 'f', summary: 'Write to this file instead of stdout.' }),
    measured: Flags.boolean({ default: false, summary: 'Only measured profiles.' }),
    profiles: profilesFlag(),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ProfilesExport);
    const store = openStore(flags.profiles, 'read');
    const { profiles, skipped } = store.list({ ...(args.model ? { model: args.model } : {}), ...(flags.measured ? { source: 'measured' as const } : {}) });
    store.close();
    for (const s of skipped) this.note(`warning: skipped a stored profile that does not parse: ${s}`);
    const text = `${JSON.stringify(profilesDocument(profiles), null, 2)}\n`;
    if (!flags.file) {
      process.stdout.write(text);
      return;
    }
    try {
      writeFileSync(flags.file, text);
    } catch (error) {
      throw new UsageError(`--file ${flags.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    this.note(`exported ${profiles.length} profile${profiles.length === 1 ? '' : 's'} to ${flags.file}`);
  }
}
