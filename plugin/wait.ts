import { setTimeout as sleep } from 'node:timers/promises';
import { LABELS } from '../src/manifests/labels.js';
import type { ModelDeployment } from '../src/manifests/model.js';
import type { V1Pod } from '@kubernetes/client-node';
import type { Cluster } from './cluster.js';

/** A pod whose Ready condition is True (what kubectl get pods counts in READY). */
export function podReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

interface Progress {
  scheduled: number;
  running: number;
  ready: number;
  desired: number;
  failures: Map<string, string>;
}

/**
 * Polls the deployment's pods until every replica is ready or the timeout passes, printing a line whenever
 * the counts or a pod's latest FailedScheduling reason change. True when all are ready.
 */
export async function waitForReady(cluster: Cluster, d: ModelDeployment, timeoutMs: number, print: (line: string) => void): Promise<boolean> {
  const desired = d.targets.reduce((sum, t) => sum + t.replicas * t.option.hosts, 0);
  const deadline = Date.now() + timeoutMs;
  let previous = '';
  const shownFailures = new Map<string, string>();
  for (;;) {
    const progress = await poll(cluster, d.name, desired);
    const line = `${d.name}: ${progress.scheduled}/${desired} scheduled, ${progress.running}/${desired} running, ${progress.ready}/${desired} ready`;
    if (line !== previous) print(line);
    previous = line;
    for (const [pod, reason] of progress.failures) {
      if (shownFailures.get(pod) !== reason) print(`  ${pod}: FailedScheduling: ${reason}`);
      shownFailures.set(pod, reason);
    }
    if (progress.ready >= desired) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(2000, Math.max(0, deadline - Date.now())));
  }
}

async function poll(cluster: Cluster, name: string, desired: number): Promise<Progress> {
  const pods = (await cluster.pods(`${LABELS.deployment}=${name}`)).filter((p) => !p.metadata?.deletionTimestamp);
  const failures = await cluster.schedulingFailures();
  const mine = new Map<string, string>();
  for (const pod of pods) {
    const podName = pod.metadata?.name ?? '';
    if (!pod.spec?.nodeName && failures.has(podName)) mine.set(podName, failures.get(podName)!);
  }
  return {
    scheduled: pods.filter((p) => p.spec?.nodeName).length,
    running: pods.filter((p) => p.status?.phase === 'Running').length,
    ready: pods.filter(podReady).length,
    desired,
    failures: mine,
  };
}
