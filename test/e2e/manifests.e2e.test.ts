// The kustomize base in manifests/scheduler applies cleanly to a real control plane: rendered by the
// control plane's own kubectl, the namespace created for real, then a server-side dry-run apply of
// everything (admission, defaulting and strict field validation run on the server; nothing is persisted).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { Cluster, KUBECTL, ROOT } from './harness/cluster.js';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  roleRef?: { kind: string; name: string };
}

interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function kubectl(args: readonly string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, args, { cwd: ROOT, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

describe('manifests/scheduler applies to the control plane (server-side dry run)', { timeout: 300_000 }, () => {
  const cluster = new Cluster({ suite: 'manifests', basePort: 31050, extender: false });
  let rendered = '';
  let objects: Manifest[] = [];

  before(async () => {
    await cluster.start();
    const out = await kubectl(['kustomize', 'manifests/scheduler']);
    assert.equal(out.code, 0, `kubectl kustomize manifests/scheduler failed: ${out.stderr}`);
    rendered = out.stdout;
    objects = parseAllDocuments(rendered).map((d) => d.toJS() as Manifest).filter(Boolean);
  }, { timeout: 240_000 });

  after(() => cluster.stop(), { timeout: 120_000 });

  const apply = (yaml: string) => kubectl(['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '--dry-run=server',
    '--field-manager=kinfer-e2e', '-f', '-'], yaml);

  test('kustomize renders the expected kinds', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    for (const kind of ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'RoleBinding', 'ConfigMap', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']) {
      assert.ok(kinds.has(kind), `rendered manifests lack a ${kind}`);
    }
  });

  test('the namespace is created for real, then every object passes a server-side dry-run apply', async (t) => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    assert.equal(namespaces.length, 1);
    const created = await kubectl(['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '--field-manager=kinfer-e2e', '-f', '-'], stringify(namespaces[0]));
    assert.equal(created.code, 0, `creating the namespace failed: ${created.stderr}`);

    const result = await apply(rendered);
    if (result.stderr.trim()) t.diagnostic(`kubectl stderr: ${result.stderr.trim()}`);
    assert.equal(result.code, 0, `server-side dry-run apply failed (exit ${result.code}):\n${result.stderr}\n${result.stdout}`);
    assert.doesNotMatch(result.stderr, /error/i);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, objects.length, `one line per object:\n${result.stdout}`);
    for (const line of lines) assert.match(line, /serverside-applied \(server dry run\)$/);
    // Dry run: nothing but the namespace was persisted.
    const deployments = await kubectl(['--kubeconfig', cluster.kubeconfigPath, '-n', namespaces[0]!.metadata.name, 'get', 'deployments', '-o', 'name']);
    assert.equal(deployments.stdout.trim(), '');
  });

  test('the same check rejects a broken manifest (an unknown field in the Deployment)', async () => {
    const broken = objects.map((o) => (o.kind === 'Deployment' ? { ...o, spec: { ...o.spec, replicaz: 2 } } : o));
    const result = await apply(broken.map((o) => stringify(o)).join('---\n'));
    assert.notEqual(result.code, 0, 'an unknown field must fail strict server-side validation');
    assert.match(result.stderr, /replicaz/);
  });

  test('every RoleBinding refers to a Role that exists in its namespace', async () => {
    const roles = new Set(objects.filter((o) => o.kind === 'Role').map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
    for (const binding of objects.filter((o) => o.kind === 'RoleBinding' && o.roleRef?.kind === 'Role')) {
      const key = `${binding.metadata.namespace}/${binding.roleRef!.name}`;
      if (roles.has(key)) continue;
      const found = await kubectl(['--kubeconfig', cluster.kubeconfigPath, '-n', binding.metadata.namespace!, 'get', 'role', binding.roleRef!.name, '-o', 'name']);
      assert.equal(found.code, 0, `RoleBinding ${binding.metadata.namespace}/${binding.metadata.name} refers to Role ${key}, which does not exist (${found.stderr.trim()})`);
    }
  });
});
