// The KubeSchedulerConfiguration shipped in manifests/scheduler (ConfigMap kinfer-scheduler-config) is read and
// validated by the real kube-scheduler binary (test/controlplane builds it): `--write-config-to` loads the file,
// applies defaults, validates, writes the result and exits. No control plane is needed; the kubeconfig is a dummy.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { runProcess } from '../run.js';
import { BIN_DIR, ROOT } from './harness/cluster.js';

const SCHEDULER = join(BIN_DIR, 'kube-scheduler');
const DUMMY_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: u, user: { token: x } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

describe('manifests/scheduler: kube-scheduler accepts the shipped configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-sched-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const shipped = (): Record<string, unknown> => {
    const configMap = parse(readFileSync(join(ROOT, 'manifests', 'scheduler', 'config.yaml'), 'utf8')) as { data: Record<string, string> };
    return parse(configMap.data['scheduler.yaml']!) as Record<string, unknown>;
  };

  /** Runs kube-scheduler on `config` (plus the dummy kubeconfig) and returns its exit, log and written config. */
  const check = async (config: Record<string, unknown>) => {
    assert.ok(existsSync(SCHEDULER), `${SCHEDULER} is missing: run test/controlplane/build.sh`);
    writeFileSync(join(dir, 'kubeconfig'), DUMMY_KUBECONFIG);
    writeFileSync(join(dir, 'scheduler.yaml'), stringify({ ...config, clientConnection: { kubeconfig: join(dir, 'kubeconfig') } }));
    rmSync(join(dir, 'out.yaml'), { force: true });
    const run = await runProcess(SCHEDULER, [`--config=${join(dir, 'scheduler.yaml')}`, `--write-config-to=${join(dir, 'out.yaml')}`], { timeoutMs: 60_000 });
    const written = existsSync(join(dir, 'out.yaml')) ? parse(readFileSync(join(dir, 'out.yaml'), 'utf8')) as Record<string, unknown> : undefined;
    return { ...run, written };
  };

  test('percentageOfNodesToScore: 100 and the extender block (managedResources included) survive validation and defaulting', async () => {
    const { code, stderr, written } = await check(shipped());
    assert.equal(code, 0, stderr);
    assert.equal(written?.percentageOfNodesToScore, 100);
    const extenders = written?.extenders as { urlPrefix: string; nodeCacheCapable: boolean; managedResources: { name: string }[] }[];
    assert.equal(extenders[0]?.urlPrefix, 'http://127.0.0.1:8090');
    assert.equal(extenders[0]?.nodeCacheCapable, true);
    // Whole devices and the catalog's MIG slices (test/install/managed-resources.test.ts checks the list itself).
    assert.ok(extenders[0]?.managedResources.some((r) => r.name === 'nvidia.com/mig-3g.40gb'), 'MIG slices are managed resources');
    assert.ok(extenders[0]?.managedResources.some((r) => r.name === 'nvidia.com/gpu'));
  });

  test('the same check fails a value out of range (the test can fail)', async () => {
    const { code, stderr } = await check({ ...shipped(), percentageOfNodesToScore: 101 });
    assert.notEqual(code, 0);
    assert.match(stderr, /percentageOfNodesToScore: Invalid value: 101: not in valid range \[0-100\]/);
  });
});
