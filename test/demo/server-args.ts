import type { V1Container, V1Pod } from '@kubernetes/client-node';

/**
 * The model server's own arguments in a pod deploy made: the container's args; for the leader of a multi-host
 * replica, which deploy wraps in vLLM's multi-node script (`/bin/sh -c "<script> leader ...; exec vllm serve ..."`),
 * the words after `exec vllm`. A worker (`<script> worker ...`) runs no server of its own: empty.
 */
export function serverArgs(container: V1Container | undefined): string[] {
  const args = container?.args ?? [];
  const shell = container?.command?.[0] === '/bin/sh' && container.command[1] === '-c' && args.length === 1;
  if (!shell) return args;
  const exec = /(?:^|;)\s*exec\s+vllm\s+(.*)$/s.exec(args[0]!);
  return exec ? exec[1]!.trim().split(/\s+/) : [];
}

/** Hosts one replica spans: the pod's `kinfer.dev/group-size` (a LeaderWorkerSet group), else 1. */
export function hostsOf(pod: V1Pod): number {
  const size = Number(pod.metadata?.annotations?.['kinfer.dev/group-size'] ?? 1);
  return Number.isInteger(size) && size > 0 ? size : 1;
}
