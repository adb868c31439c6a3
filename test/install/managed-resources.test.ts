// kube-scheduler calls an extender only for pods that request one of its `managedResources`, matched by exact
// name (kubernetes v1.34 pkg/scheduler/extender.go, HTTPExtender.IsInterested / hasManagedResources). So every
// device resource the extender reads must be listed, or pods requesting it are placed without kinfer's fit
// check (a MIG slice too small for the model, say); and a pod requesting none never pays the two calls (the
// scale e2e shows it through the real scheduler). The shipped manifest, the chart and the test control plane
// list the same resources: whole devices and every MIG slice of the catalog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MIG_PROFILES } from '../../src/accelerators/mig.js';
import { DEVICE_RESOURCES, isAcceleratorResource } from '../../src/accelerators/resources.js';
import { REPO_ROOT } from '../run.js';

const expected = [...DEVICE_RESOURCES, ...MIG_PROFILES.map((p) => p.resourceName)].sort();

function manifest(): string[] {
  const configMap = parse(readFileSync(join(REPO_ROOT, 'manifests/scheduler/config.yaml'), 'utf8')) as { data: Record<string, string> };
  const config = parse(configMap.data['scheduler.yaml']!) as { extenders: { managedResources: { name: string; ignoredByScheduler: boolean }[] }[] };
  const managed = config.extenders[0]!.managedResources;
  assert.ok(managed.every((r) => !r.ignoredByScheduler), 'the scheduler keeps counting the devices itself');
  return managed.map((r) => r.name);
}

function chart(): string[] {
  return (parse(readFileSync(join(REPO_ROOT, 'charts/kinfer-scheduler/values.yaml'), 'utf8')) as { managedResources: string[] }).managedResources;
}

function controlPlane(): string[] {
  const script = readFileSync(join(REPO_ROOT, 'test/controlplane/cluster.sh'), 'utf8');
  const list = /^MANAGED_RESOURCES=\(([^)]*)\)/m.exec(script);
  assert.ok(list, 'cluster.sh defines MANAGED_RESOURCES=(...)');
  return list[1]!.split(/\s+/).filter(Boolean);
}

for (const [where, read] of [['manifests/scheduler', manifest], ['charts/kinfer-scheduler', chart], ['test/controlplane/cluster.sh', controlPlane]] as const) {
  test(`${where}: managedResources lists every device resource the extender reads, and nothing else`, () => {
    const names = read();
    assert.deepEqual([...names].sort(), expected);
    assert.equal(new Set(names).size, names.length, 'no duplicates');
    assert.ok(names.every(isAcceleratorResource));
  });
}
