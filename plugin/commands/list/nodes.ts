import { Flags } from '@oclif/core';
import { describePool, missingFromCatalog, nodeReport } from '../../../src/accelerators/node-report.js';
import { KubeCommand } from '../../base.js';
import { formatData, table } from '../../render.js';
import { outputFlag } from '../../flags.js';

export default class ListNodes extends KubeCommand {
  static override summary = 'What kinfer sees on each node: accelerator type, devices, memory, GPU shares, topology, and the labels that said so.';

  static override description = 'Nodes without accelerators are counted, not listed (--all lists them). Types found but missing '
    + 'from kinfer\'s catalog are named at the end: they are placed on their memory labels, and `recommend` marks them "no speed data".';

  static override examples = [
    '<%= config.bin %> list nodes',
    '<%= config.bin %> list nodes -o yaml',
  ];

  static override flags = {
    all: Flags.boolean({ default: false, summary: 'Also list nodes without accelerators.' }),
    output: outputFlag(['json', 'yaml'] as const, 'Print the rows as data.'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ListNodes);
    const reports = (await this.cluster(flags).nodes()).map(nodeReport).sort((a, b) => a.name.localeCompare(b.name));
    const missing = missingFromCatalog(reports);
    if (flags.output) return this.log(formatData({ items: reports, missingFromCatalog: missing }, flags.output));
    const shown = flags.all ? reports : reports.filter((r) => r.type !== undefined);
    if (shown.length === 0) {
      this.note(`No node has an accelerator kinfer can read (${reports.length} node(s) in all). Label nodes as docs/scheduler.md "Nodes" says.`);
      return;
    }
    this.log(table(['NAME', 'TYPE', 'SPEED DATA', 'DEVICES', 'TOPOLOGY', 'WHY'], shown.map((r) => [
      r.name,
      r.type ?? '<none>',
      r.type === undefined ? '' : r.speedData ? 'yes' : 'no',
      r.pools.map(describePool).join(', ') || '-',
      [...(r.tpuTopology ? [`tpu=${r.tpuTopology}`] : []), ...Object.entries(r.topology).map(([k, v]) => `${k}=${v}`)].join(',') || '-',
      [...r.why, ...r.warnings.map((w) => `warning: ${w}`)].join('; '),
    ])));
    const without = reports.length - reports.filter((r) => r.type !== undefined).length;
    if (!flags.all && without > 0) this.note(`${without} node(s) without accelerators not shown (--all shows them).`);
    if (missing.length > 0) {
      this.note(`Found but not in kinfer's catalog (placed on memory labels; recommend says "no speed data"): ${missing
        .map((m) => `${m.type} (${m.nodes} node${m.nodes === 1 ? '' : 's'}${m.sized ? '' : ', memory unknown: label kinfer.dev/hbm-per-device'})`).join(', ')}`);
    }
  }
}
