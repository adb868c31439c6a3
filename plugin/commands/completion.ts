import { Args } from '@oclif/core';
import { LocalCommand } from '../base.js';
import { SHELLS, completionScript } from '../completion/scripts.js';

export default class Completion extends LocalCommand {
  static override summary = 'Print the shell completion script for kubectl-inference (bash, zsh or fish).';

  static override description = `kubectl ≥ 1.26 completes "kubectl inference …" itself once kubectl_complete-inference is on PATH
(npm i -g puts it there; with krew, link it: docs/install.md). This script completes the kubectl-inference command.`;

  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    '<%= config.bin %> completion zsh > "${fpath[1]}/_kubectl-inference"',
    '<%= config.bin %> completion fish > ~/.config/fish/completions/kubectl-inference.fish',
  ];

  static override args = { shell: Args.string({ required: true, options: [...SHELLS], description: 'bash, zsh or fish' }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    process.stdout.write(completionScript(args.shell as (typeof SHELLS)[number]));
  }
}
