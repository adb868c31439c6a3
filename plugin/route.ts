import { LABELS, MANAGED_BY } from '../src/manifests/labels.js';
import { pickerServiceName } from '../src/manifests/model.js';
import { INFERENCE_POOL, type KubeObject } from '../src/manifests/objects.js';
import { PICKER_CONFIG_KEY } from '../src/manifests/picker.js';
import { parsePickerConfig, pickerConfigToYaml, singleProfileConfigYaml, type PickerConfig, type ScorerWeight } from '../src/routing/config.js';
import { PICKER_SHORT_NAMES, SCORER_SHORT_NAMES } from '../src/routing/registry.js';
import { UsageError } from '../src/usage.js';
import { KubeError, type Cluster } from './cluster.js';
import { lineDiff } from './diff.js';
import { dryRunSuffix, type DryRun } from './dry-run.js';

/** The EndpointPickerConfig of `--scorer NAME=WEIGHT ... [--picker P]`: one profile with those scorers. */
export function configFromFlags(scorers: readonly string[], picker: string): { yaml: string; config: PickerConfig } {
  const names = Object.keys(SCORER_SHORT_NAMES).join(', ');
  const weighted: ScorerWeight[] = [];
  for (const spec of scorers) {
    const match = /^([a-z-]+)=(\d+(?:\.\d+)?)$/.exec(spec.trim());
    if (!match) throw new UsageError(`--scorer ${spec}: use NAME=WEIGHT, e.g. kv-cache=2 (names: ${names})`);
    const type = Object.hasOwn(SCORER_SHORT_NAMES, match[1]!) ? SCORER_SHORT_NAMES[match[1]!] : undefined;
    if (!type) throw new UsageError(`--scorer ${spec}: unknown scorer ${match[1]} (names: ${names})`);
    if (weighted.some((p) => p.type === type)) throw new UsageError(`--scorer ${match[1]} is given twice`);
    weighted.push({ type, weight: Number(match[2]) });
  }
  const pickerType = Object.hasOwn(PICKER_SHORT_NAMES, picker) ? PICKER_SHORT_NAMES[picker] : undefined;
  if (!pickerType) throw new UsageError(`--picker ${picker}: use ${Object.keys(PICKER_SHORT_NAMES).join(' or ')}`);
  const yaml = singleProfileConfigYaml(weighted, pickerType);
  return { yaml, config: validated(yaml, 'the --scorer flags') };
}

export function validated(yaml: string, origin: string): PickerConfig {
  const parsed = parsePickerConfig(yaml);
  if (!parsed.ok) throw new KubeError(`${origin}: invalid EndpointPickerConfig: ${parsed.error.replace(/\n/g, '; ')}`);
  return parsed.value;
}

type ConfigMap = KubeObject & { data?: Record<string, string> };

/** The pool's picker config as stored (its ConfigMap), or undefined when `route install` has not run. */
export async function currentConfig(cluster: Cluster, pool: string): Promise<string | undefined> {
  const map = await cluster.read<ConfigMap>('v1', 'ConfigMap', pickerServiceName(pool));
  return map?.data?.[PICKER_CONFIG_KEY];
}

export async function requirePool(cluster: Cluster, pool: string): Promise<KubeObject> {
  const found = await cluster.read<KubeObject>(`${INFERENCE_POOL.group}/${INFERENCE_POOL.version}`, INFERENCE_POOL.kind, pool);
  if (!found) throw new KubeError(`InferencePool ${cluster.namespace}/${pool} not found (or its CRD, inference.networking.k8s.io/v1, is not installed); see kubectl inference list`);
  return found;
}

/**
 * Writes a validated config into the picker's ConfigMap (the picker reloads it within seconds), printing the
 * diff against what was there. Returns the diff ('' when nothing changed).
 */
export async function writeConfig(cluster: Cluster, pool: string, config: PickerConfig, dryRun: DryRun, print: (line: string) => void): Promise<string> {
  const yaml = pickerConfigToYaml(config);
  const before = await currentConfig(cluster, pool);
  if (before === undefined) throw new KubeError(`pool ${pool} has no picker yet (ConfigMap ${pickerServiceName(pool)} missing); run kubectl inference route install ${pool}`);
  const stored = parsePickerConfig(before);
  const diff = lineDiff(stored.ok ? pickerConfigToYaml(stored.value) : before, yaml);
  if (diff === '') {
    print(`configmap/${pickerServiceName(pool)} unchanged`);
    return '';
  }
  print(diff);
  const name = pickerServiceName(pool);
  if (dryRun !== 'client') await cluster.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: cluster.namespace, labels: { [LABELS.name]: name, [LABELS.managedBy]: MANAGED_BY, [LABELS.deployment]: pool, [LABELS.component]: 'endpoint-picker' } },
    data: { [PICKER_CONFIG_KEY]: yaml },
  }, dryRun === 'server');
  print(`configmap/${name} serverside-applied${dryRunSuffix(dryRun)}`);
  return diff;
}
