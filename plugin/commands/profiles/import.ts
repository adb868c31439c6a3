import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { acceleratorByName } from '../../../src/accelerators/catalog.js';
import { importInferencePerf, inferencePerfFileKind, type InferencePerfFile } from '../../../src/profiles/inference-perf.js';
import { describeKey, parseProfilesDocument, PROFILES_KIND, type PerfProfile } from '../../../src/profiles/profile.js';
import { SERVERS, type ServerKind } from '../../../src/servers/templates.js';
import { UsageError } from '../../../src/usage.js';
import { LocalCommand } from '../../base.js';
import { readFlagFile } from '../../files.js';
import { openStore } from '../../profiles/open.js';
import { profilesFlag } from '../../flags.js';

export default class ProfilesImport extends LocalCommand {
  static override summary = 'Import profiles: a kinfer export, or an inference-perf report as a measured profile.';

  static override description = `A JSON file that profiles export wrote is imported as it is. An inference-perf report (its output
directory, or its summary_lifecycle_metrics.json / stage_N_lifecycle_metrics.json files) becomes one measured
profile, a point per stage; inference-perf does not record what served the requests, so say it with --model,
--accelerator, --tp, and --replicas (the figures are divided by it).`;

  static override examples = [
    { description: 'Profiles exported on another machine:', command: '<%= config.bin %> profiles import profiles.json' },
    { description: 'An inference-perf run against 2 replicas of Llama 3.1 8B on H100s:', command: '<%= config.bin %> profiles import reports-20261128/ --model meta-llama/Llama-3.1-8B-Instruct --accelerator nvidia-h100-80gb --tp 1 --replicas 2' },
  ];

  static override strict = false;
  static override args = { path: Args.string({ required: true, description: 'JSON export, inference-perf report directory, or report files' }) };

  static override flags = {
    model: Flags.string({ summary: 'inference-perf: the model that served the run.' }),
    accelerator: Flags.string({ summary: 'inference-perf: its accelerator type.' }),
    tp: Flags.integer({ min: 1, summary: 'inference-perf: devices per replica.' }),
    server: Flags.option({ options: SERVERS, default: 'vllm' as const, summary: 'inference-perf: the model server.' })(),
    replicas: Flags.integer({ min: 1, default: 1, summary: 'inference-perf: replicas the load was spread over.' }),
    profiles: profilesFlag(),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ProfilesImport);
    const paths = argv as string[];
    const files = paths.flatMap((p) => expand(p));
    const jsons = files.map((file) => ({ file, json: readJson(file) }));
    const exports = jsons.filter((j) => (j.json as { kind?: unknown } | null)?.kind === PROFILES_KIND);
    const reports = jsons.filter((j) => !exports.includes(j));
    const profiles: PerfProfile[] = [];
    for (const { file, json } of exports) {
      const parsed = parseProfilesDocument(json, file);
      if (!parsed.ok) throw new UsageError(parsed.error);
      profiles.push(...parsed.value);
    }
    if (reports.length > 0) profiles.push(this.fromInferencePerf(reports, flags));
    const store = openStore(flags.profiles, 'write');
    store.put(profiles);
    store.close();
    for (const p of profiles) this.log(`imported ${p.source} profile: ${describeKey(p.key)}, ${p.points.length} point${p.points.length === 1 ? '' : 's'}`);
    this.note(`${profiles.length} profile${profiles.length === 1 ? '' : 's'} in ${store.path}`);
  }

  private fromInferencePerf(reports: { file: string; json: unknown }[], flags: { model?: string | undefined; accelerator?: string | undefined; tp?: number | undefined; server: string; replicas: number }): PerfProfile {
    const unknown = reports.filter((r) => !inferencePerfFileKind(basename(r.file)));
    if (unknown.length > 0) {
      throw new UsageError(`${unknown[0]!.file}: neither a kinfer profiles export nor an inference-perf lifecycle report (summary_lifecycle_metrics.json, stage_N_lifecycle_metrics.json)`);
    }
    if (!flags.model || !flags.accelerator || !flags.tp) throw new UsageError('an inference-perf report does not say what served it: give --model, --accelerator and --tp');
    if (!acceleratorByName(flags.accelerator)) throw new UsageError(`--accelerator ${flags.accelerator}: not a known accelerator type`);
    const files: InferencePerfFile[] = reports.map((r) => ({ name: basename(r.file), json: r.json }));
    const imported = importInferencePerf(files, { replicas: flags.replicas });
    if (!imported.ok) throw new UsageError(imported.error);
    for (const w of imported.value.warnings) this.note(`warning: ${w}`);
    return {
      key: { model: flags.model, server: flags.server as ServerKind, accelerator: flags.accelerator, tp: flags.tp, ...imported.value.workload },
      source: 'measured',
      points: imported.value.points,
      origin: `inference-perf report ${basename(reports[0]!.file.replace(/\/[^/]*$/, '')) || reports[0]!.file} (${flags.replicas} replica${flags.replicas > 1 ? 's' : ''})`,
      createdAt: new Date().toISOString(),
    };
  }
}

/** A directory becomes its inference-perf lifecycle files; a file stays itself. */
function expand(path: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (error) {
    throw new UsageError(`${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!isDir) return [path];
  const files = readdirSync(path).filter((name) => inferencePerfFileKind(name)).sort().map((name) => join(path, name));
  if (files.length === 0) throw new UsageError(`${path}: no summary_lifecycle_metrics.json or stage_N_lifecycle_metrics.json in it`);
  return files;
}

function readJson(file: string): unknown {
  const text = readFlagFile(file, file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not JSON (${(error as Error).message})`);
  }
}
