// Shell completion: the engine on a table of command lines (pure), then the real shells and the real kubectl. bash
// sources `kubectl inference completion bash` and calls its function as readline would (COMP_LINE, COMP_POINT,
// COMP_WORDS, COMP_CWORD); kubectl (1.34, .kinfer/bin) runs kubectl_complete-inference from PATH for
// `kubectl __complete inference …`, and its own bash script (`kubectl completion bash`) completes
// `kubectl inference …` through it (with bash-completion, which kubectl's script needs); fish answers
// `complete -C LINE` from `kubectl inference completion fish`; zsh completes inside its line editor only, so an
// interactive zsh runs on a pseudo-terminal (zsh's own zpty module) with compinit and the script loaded, and is
// sent the line and a Tab.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { complete, DIRECTIVE, formatCompletion, type CommandSpec, type FlagSpec } from '../../plugin/completion/complete.js';
import { REPO_ROOT, runProcess } from '../run.js';

const flag = (name: string, more: Partial<FlagSpec> = {}): FlagSpec => ({ name, takesValue: true, ...more });
const command = (id: string, more: Partial<CommandSpec> = {}): CommandSpec => ({ id, summary: `${id} it`, flags: [], args: [], ...more });

const COMMANDS: CommandSpec[] = [
  command('deploy', {
    args: [{ name: 'model' }],
    flags: [flag('server', { options: ['vllm', 'sglang'] }), flag('accelerator'), flag('wait', { takesValue: false }), flag('output', { char: 'o', options: ['yaml', 'json'] }), flag('kubeconfig')],
  }),
  command('list'),
  command('list:nodes'),
  command('route:show', { args: [{ name: 'pool' }] }),
  command('route:set', { args: [{ name: 'pool' }] }),
];
const VALUES = {
  model: [{ value: 'meta-llama/Llama-3.1-8B-Instruct' }, { value: 'meta-llama/Llama-3.1-70B-Instruct' }, { value: 'google/gemma-2-9b-it' }],
  accelerator: [{ value: 'nvidia-l4' }, { value: 'nvidia-h100-80gb' }, { value: 'nvidia-h200-141gb' }],
};

describe('complete', () => {
  const cases: ReadonlyArray<[string, string[], string[], number?]> = [
    ['commands and topics at the start', [''], ['deploy', 'list', 'route']],
    ['a command by prefix', ['de'], ['deploy']],
    ["a topic's subcommands", ['route', ''], ['show', 'set']],
    ['a command that is also a topic offers its subcommands', ['list', ''], ['nodes']],
    ['an unknown command: nothing', ['frob', ''], []],
    ['the first argument from the catalog, by prefix', ['deploy', 'meta-llama/Llama-3.1-7'], ['meta-llama/Llama-3.1-70B-Instruct']],
    ['no second argument', ['deploy', 'google/gemma-2-9b-it', ''], []],
    ['an argument after a flag and its value', ['deploy', '--server', 'vllm', 'goo'], ['google/gemma-2-9b-it']],
    ['an argument after a boolean flag', ['deploy', '--wait', 'goo'], ['google/gemma-2-9b-it']],
    ["a flag's options", ['deploy', 'x', '--server', ''], ['vllm', 'sglang']],
    ["a short flag's options", ['deploy', 'x', '-o', 'j'], ['json']],
    ['--flag=value keeps the flag in the candidate', ['deploy', 'x', '--output=y'], ['--output=yaml']],
    ['a boolean flag takes no value', ['deploy', 'x', '--wait=t'], []],
    ['a comma list completes its last item and skips the chosen ones', ['deploy', 'x', '--accelerator', 'nvidia-l4,nvidia-h'], ['nvidia-l4,nvidia-h100-80gb', 'nvidia-l4,nvidia-h200-141gb']],
    ['flag names, less the ones given', ['deploy', 'x', '--server', 'vllm', '--'], ['--accelerator', '--wait', '--output', '--kubeconfig', '--help']],
    ['a path flag leaves the shell to complete files', ['deploy', 'x', '--kubeconfig', ''], [], DIRECTIVE.default],
    ['a name the catalog cannot know: nothing, no files', ['route', 'show', ''], []],
  ];
  for (const [name, words, want, directive = DIRECTIVE.noFileComp] of cases) {
    it(name, () => {
      const got = complete(words, COMMANDS, VALUES);
      assert.deepEqual(got.candidates.map((c) => c.value), want);
      assert.equal(got.directive, directive);
    });
  }

  it("prints cobra's __complete format: value<TAB>description lines, then :directive", () => {
    assert.equal(formatCompletion({ candidates: [{ value: 'a', description: 'first\nmore' }, { value: 'b' }], directive: 4 }), 'a\tfirst\nb\n:4\n');
  });
});

const BIN = join(REPO_ROOT, 'bin');
const KUBECTL = join(REPO_ROOT, '.kinfer', 'bin', 'kubectl');
const PATH = `${BIN}:${dirname(process.execPath)}:/usr/bin:/bin`;
// fish writes its config under HOME: a temporary one, never a shared path. KUBECONFIG names a file that is not there.
const HOME = mkdtempSync(join(tmpdir(), 'kinfer-completion-'));
after(() => rmSync(HOME, { recursive: true, force: true }));
const MISSING = join(HOME, 'no-kubeconfig');

/** Runs bash with the completion function sourced, the line typed up to the cursor, and prints COMPREPLY one a line. */
async function bashComplete(setup: string, fn: string, line: string): Promise<string[]> {
  const script = `${setup}
COMP_LINE="$1"; COMP_POINT=\${#COMP_LINE}
read -r -a COMP_WORDS <<<"$COMP_LINE"; [[ "$COMP_LINE" == *' ' ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
${fn} "\${COMP_WORDS[0]}" "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = await runProcess('bash', ['--norc', '-c', script, 'bash', line], { env: { PATH, HOME, KUBECONFIG: MISSING } });
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.split('\n').filter(Boolean);
}

describe('bash: kubectl inference completion bash', { timeout: 60_000 }, () => {
  const setup = 'source <(kubectl-inference completion bash)';
  const cases: ReadonlyArray<[string, string[]]> = [
    ['kubectl-inference rec', ['recommend']],
    ['kubectl-inference route s', ['show', 'set']],
    ['kubectl-inference deploy meta-llama/Llama-3.1-7', ['meta-llama/Llama-3.1-70B-Instruct']],
    ['kubectl-inference deploy x --server ', ['vllm', 'sglang']],
    // The binary rewrites a bare --dry-run to --dry-run=client when it runs a command, never when it completes one.
    ['kubectl-inference delete x --dry-run ', ['none', 'client', 'server']],
    // readline replaces only the text after `=`: the candidate carries just that part.
    ['kubectl-inference deploy x --output=y', ['yaml']],
    ['kubectl-inference recommend x --accelerator nvidia-l4,nvidia-h200-1', ['nvidia-l4,nvidia-h200-141gb']],
  ];
  for (const [line, want] of cases) {
    it(line, async () => assert.deepEqual(await bashComplete(setup, '_kubectl_inference', line), want));
  }

  it('completion with an unknown shell is a usage error', async () => {
    const run = await runProcess(join(BIN, 'kubectl-inference'), ['completion', 'tcsh'], { env: { PATH, HOME } });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: .*tcsh.*bash, zsh, fish/);
  });
});

describe("kubectl's plugin completion runs kubectl_complete-inference from PATH", { timeout: 60_000 }, () => {
  it('kubectl is built (.kinfer/bin/kubectl, make controlplane)', () => assert.ok(existsSync(KUBECTL)));

  const env = { PATH, HOME, KUBECONFIG: MISSING };
  const cases: ReadonlyArray<[string[], RegExp]> = [
    [['inference', 'rec'], /^recommend\t.+\n:4\n$/],
    [['inference', 'deploy', 'meta-llama/Llama-3.1-40'], /^meta-llama\/Llama-3.1-405B-Instruct\n:4\n$/],
    [['inference', 'top', '--n'], /^--namespace\t.+\n:4\n$/],
  ];
  for (const [args, want] of cases) {
    it(`kubectl __complete ${args.join(' ')}`, async () => {
      const run = await runProcess(KUBECTL, ['__complete', ...args], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, want);
      assert.match(run.stderr, /About to call: .*\/bin\/kubectl_complete-inference/);
    });
  }

  it("kubectl's own bash completion completes `kubectl inference dep` through the helper", async () => {
    const setup = `source /usr/share/bash-completion/bash_completion; source <(${KUBECTL} completion bash); kubectl() { ${KUBECTL} "$@"; }`;
    assert.deepEqual(await bashComplete(setup, '__start_kubectl', 'kubectl inference dep'), ['deploy']);
    assert.deepEqual(await bashComplete(setup, '__start_kubectl', 'kubectl inference deploy x --server s'), ['sglang']);
  });
});

describe('fish and zsh: kubectl inference completion fish|zsh', { timeout: 60_000 }, () => {
  const env = { PATH, HOME, KUBECONFIG: MISSING };
  const cases: ReadonlyArray<[string, string[]]> = [
    ['kubectl-inference rec', ['recommend']],
    ['kubectl-inference deploy x --server ', ['sglang', 'vllm']],
    ['kubectl-inference route ', ['apply', 'install', 'set', 'show']],
  ];
  for (const [line, want] of cases) {
    it(`fish: ${line}`, async () => {
      const run = await runProcess('fish', ['--no-config', '-c', 'source (kubectl-inference completion fish | psub); complete -C $argv[1]', line], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]).sort(), want);
    });
  }

  // Types LINE and a Tab into an interactive zsh on a pseudo-terminal; prints the screen once WANT shows (10 s at most).
  const ZPTY = `zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1="> "; autoload -Uz compinit; compinit -u -D; source <(kubectl-inference completion zsh)'
zpty -w -n z "$1"$'\\t'
out=""; integer i=0
while (( i++ < 100 )); do
  if zpty -r -t z chunk; then out+="$chunk"; else sleep 0.1; fi
  [[ "$out" == *"$2"* ]] && break
done
zpty -d z
print -r -- "$out"`;
  /** Terminal control sequences (ESC [ … letter). */
  const CSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[a-zA-Z]`, 'g');
  const zshCases: ReadonlyArray<[string, string]> = [
    ['kubectl-inference rec', 'kubectl-inference recommend '],
    ['kubectl-inference deploy x --server sg', 'kubectl-inference deploy x --server sglang '],
    ['kubectl-inference route s', "show  -- Show a pool's picker"],
  ];
  for (const [line, want] of zshCases) {
    it(`zsh: ${line}<TAB>`, async () => {
      const run = await runProcess('zsh', ['-f', '-c', ZPTY, 'zsh', line, want], { env: { ...env, ZDOTDIR: HOME }, timeoutMs: 30_000 });
      // The screen without colours, cursor moves and carriage returns.
      const screen = run.stdout.replace(CSI, '').replace(/[\r\b]/g, '');
      assert.ok(screen.includes(want), screen);
    });
  }

  it('zsh parses its script', async () => {
    const script = await runProcess(join(BIN, 'kubectl-inference'), ['completion', 'zsh'], { env });
    assert.match(script.stdout, /^#compdef kubectl-inference\n/);
    const run = await runProcess('zsh', ['-n', '-f'], { env, input: script.stdout });
    assert.equal(run.code, 0, run.stderr);
  });
});
