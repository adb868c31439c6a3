import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG_YAML, KINFER_CONFIG_YAML, parsePickerConfig, pickerConfigToYaml, prefixBlockSizeOf } from '../../../src/routing/config.js';

const HEAD = 'apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n';

function errorOf(yaml: string): string {
  const result = parsePickerConfig(yaml);
  assert.equal(result.ok, false, `expected an error for:\n${yaml}`);
  return result.ok ? '' : result.error;
}

describe('parsePickerConfig: valid documents', () => {
  it('reads the reference default profile, filling names and parameters', () => {
    const result = parsePickerConfig(DEFAULT_CONFIG_YAML);
    assert.ok(result.ok);
    assert.deepEqual(result.value.schedulingProfiles, [{
      name: 'default',
      plugins: [
        { pluginRef: 'queue-scorer', weight: 2 },
        { pluginRef: 'kv-cache-utilization-scorer', weight: 2 },
        { pluginRef: 'prefix-cache-scorer', weight: 3 },
        { pluginRef: 'max-score-picker' },
      ],
    }]);
    assert.deepEqual(result.value.plugins.find((p) => p.type === 'prefix-cache-scorer'), {
      name: 'prefix-cache-scorer', type: 'prefix-cache-scorer',
      parameters: { blockSize: 64, maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 31250, autoTune: false },
    });
  });

  it('reads kinfer\'s profile', () => {
    const result = parsePickerConfig(KINFER_CONFIG_YAML);
    assert.ok(result.ok);
    assert.equal(result.value.schedulingProfiles[0]?.name, 'predicted-latency');
  });

  it('accepts named instances, parameters and several profiles, and round-trips through YAML', () => {
    const yaml = `${HEAD}plugins:
- name: prefix
  type: prefix-cache-scorer
  parameters: {blockSize: 128, lruCapacityPerServer: 1000}
- name: sat
  type: saturation-filter
  parameters: {queueDepthThreshold: 8}
- type: random-picker
schedulingProfiles:
- name: a
  plugins: [{pluginRef: sat}, {pluginRef: prefix, weight: 1.5}, {pluginRef: random-picker}]
- name: b
  plugins: [{pluginRef: prefix}]
`;
    const result = parsePickerConfig(yaml);
    assert.ok(result.ok, result.ok ? '' : result.error);
    assert.equal(prefixBlockSizeOf(result.value), 128);
    const again = parsePickerConfig(pickerConfigToYaml(result.value));
    assert.ok(again.ok);
    assert.deepEqual(again.value, result.value);
  });
});

describe('parsePickerConfig: bad documents name the bad field', () => {
  const plugins = 'plugins:\n- type: queue-scorer\n';
  const profile = 'schedulingProfiles:\n- name: p\n  plugins: [{pluginRef: queue-scorer}]\n';
  const cases: { name: string; yaml: string; error: RegExp }[] = [
    { name: 'not YAML', yaml: 'plugins: [', error: /^not valid YAML/ },
    { name: 'duplicate YAML keys', yaml: `${HEAD}kind: X\n${plugins}${profile}`, error: /not valid YAML/ },
    { name: 'wrong apiVersion', yaml: `apiVersion: v1\nkind: EndpointPickerConfig\n${plugins}${profile}`, error: /^apiVersion: / },
    { name: 'wrong kind', yaml: `apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: Pod\n${plugins}${profile}`, error: /^kind: / },
    { name: 'unknown top-level field', yaml: `${HEAD}${plugins}${profile}featureGatez: []\n`, error: /^featureGatez: unknown field/ },
    { name: 'no plugins', yaml: `${HEAD}plugins: []\n${profile}`, error: /^plugins: / },
    { name: 'no profiles', yaml: `${HEAD}${plugins}schedulingProfiles: []\n`, error: /^schedulingProfiles: / },
    { name: 'unknown plugin type', yaml: `${HEAD}plugins:\n- type: queue-scorer\n- type: magic-scorer\n${profile}`, error: /^plugins\[1\]\.type: unknown plugin type "magic-scorer" \(known: .*queue-scorer/ },
    { name: 'unknown parameter', yaml: `${HEAD}plugins:\n- type: queue-scorer\n  parameters: {depth: 1}\n${profile}`, error: /^plugins\[0\]\.parameters\.depth: unknown field/ },
    { name: 'bad parameter value is rejected, not defaulted', yaml: `${HEAD}plugins:\n- type: queue-scorer\n- type: prefix-cache-scorer\n  parameters: {blockSize: 0}\n${profile}`, error: /^plugins\[1\]\.parameters\.blockSize: / },
    { name: 'parameter of the wrong type', yaml: `${HEAD}plugins:\n- type: queue-scorer\n- type: saturation-filter\n  parameters: {kvCacheUtilThreshold: high}\n${profile}`, error: /^plugins\[1\]\.parameters\.kvCacheUtilThreshold: / },
    { name: 'threshold out of range', yaml: `${HEAD}plugins:\n- type: queue-scorer\n- type: saturation-filter\n  parameters: {kvCacheUtilThreshold: 1.5}\n${profile}`, error: /^plugins\[1\]\.parameters\.kvCacheUtilThreshold: / },
    { name: 'predicted-latency headroom of 1', yaml: `${HEAD}plugins:\n- type: queue-scorer\n- type: predicted-latency-scorer\n  parameters: {kvHeadroom: 1}\n${profile}`, error: /^plugins\[1\]\.parameters\.kvHeadroom: / },
    { name: 'duplicate plugin name', yaml: `${HEAD}plugins:\n- type: queue-scorer\n- type: kv-cache-utilization-scorer\n  name: queue-scorer\n${profile}`, error: /^plugins\[1\]\.name: duplicate plugin name "queue-scorer"/ },
    { name: 'bad plugin name', yaml: `${HEAD}plugins:\n- type: queue-scorer\n  name: Queue_Scorer\n${profile}`, error: /^plugins\[0\]\.name: / },
    { name: 'dangling pluginRef', yaml: `${HEAD}${plugins}schedulingProfiles:\n- name: p\n  plugins: [{pluginRef: queue-scorer}, {pluginRef: kv}]\n`, error: /^schedulingProfiles\[0\]\.plugins\[1\]\.pluginRef: no plugin named "kv"/ },
    { name: 'zero weight', yaml: `${HEAD}${plugins}schedulingProfiles:\n- name: p\n  plugins: [{pluginRef: queue-scorer, weight: 0}]\n`, error: /^schedulingProfiles\[0\]\.plugins\[0\]\.weight: / },
    { name: 'weight on a picker', yaml: `${HEAD}${plugins}- type: max-score-picker\nschedulingProfiles:\n- name: p\n  plugins: [{pluginRef: queue-scorer}, {pluginRef: max-score-picker, weight: 2}]\n`, error: /^schedulingProfiles\[0\]\.plugins\[1\]\.weight: only scorers take a weight/ },
    { name: 'two pickers in a profile', yaml: `${HEAD}${plugins}- type: max-score-picker\n- type: random-picker\nschedulingProfiles:\n- name: p\n  plugins: [{pluginRef: max-score-picker}, {pluginRef: random-picker}]\n`, error: /^schedulingProfiles\[0\]\.plugins\[1\]\.pluginRef: a profile has one picker/ },
    { name: 'a plugin listed twice in a profile', yaml: `${HEAD}${plugins}schedulingProfiles:\n- name: p\n  plugins: [{pluginRef: queue-scorer}, {pluginRef: queue-scorer}]\n`, error: /^schedulingProfiles\[0\]\.plugins\[1\]\.pluginRef: "queue-scorer" is listed twice/ },
    { name: 'a profile handler in a profile', yaml: `${HEAD}${plugins}- type: single-profile-handler\nschedulingProfiles:\n- name: p\n  plugins: [{pluginRef: single-profile-handler}]\n`, error: /^schedulingProfiles\[0\]\.plugins\[0\]\.pluginRef: "single-profile-handler" is a profile handler/ },
    { name: 'duplicate profile names', yaml: `${HEAD}${plugins}schedulingProfiles:\n- name: p\n  plugins: [{pluginRef: queue-scorer}]\n- name: p\n  plugins: [{pluginRef: queue-scorer}]\n`, error: /^schedulingProfiles\[1\]\.name: duplicate profile name "p"/ },
    { name: 'prefix plugins disagreeing on block size', yaml: `${HEAD}plugins:\n- type: prefix-cache-scorer\n- type: predicted-latency-scorer\n  parameters: {blockSize: 32}\nschedulingProfiles:\n- name: p\n  plugins: [{pluginRef: prefix-cache-scorer}]\n`, error: /^plugins: prefix-matching plugins disagree on parameters\.blockSize/ },
  ];
  for (const c of cases) {
    it(c.name, () => assert.match(errorOf(c.yaml), c.error));
  }

  it('lists every problem, one per line', () => {
    const error = errorOf(`${HEAD}plugins:\n- type: nope\n- type: queue-scorer\n  parameters: {x: 1}\nschedulingProfiles:\n- name: p\n  plugins: [{pluginRef: ghost}]\n`);
    assert.deepEqual(error.split('\n').map((l) => l.split(':')[0]), ['plugins[0].type', 'plugins[1].parameters.x', 'schedulingProfiles[0].plugins[0].pluginRef']);
  });
});
