import { parseCount } from '../units/quantity.js';
import { isAcceleratorResource } from '../accelerators/resources.js';

/**
 * The parts of a Pod the placement core reads. Structural, so that a client-node V1Pod, a pod decoded
 * from an extender request and a test builder's object all fit.
 */
export interface PodLike {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly deletionTimestamp?: unknown;
  };
  readonly spec?: {
    readonly nodeName?: string;
    readonly schedulerName?: string;
    readonly containers?: readonly ContainerLike[];
    readonly initContainers?: readonly ContainerLike[];
  };
  readonly status?: { readonly phase?: string };
}

interface ContainerLike {
  readonly resources?: {
    readonly requests?: Readonly<Record<string, string | number>>;
    readonly limits?: Readonly<Record<string, string | number>>;
  };
}

export const ANNOTATION_PREFIX = 'kinfer.dev/';


export interface DeviceRequest {
  readonly resourceName: string;
  readonly count: number;
}

function containerDevices(container: ContainerLike, into: Map<string, number>): void {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  // Device plugins require request == limit for extended resources; a limit alone implies the request.
  for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    if (!isAcceleratorResource(name)) continue;
    const raw = requests[name] ?? limits[name];
    into.set(name, (into.get(name) ?? 0) + parseCount(raw === undefined ? undefined : String(raw)));
  }
}

/**
 * Accelerator devices a pod requests, per resource, as kube-scheduler counts them: the sum over app
 * containers, or the largest init container when that is larger.
 */
export function podDeviceRequests(pod: PodLike): Map<string, number> {
  const total = new Map<string, number>();
  for (const container of pod.spec?.containers ?? []) containerDevices(container, total);
  for (const init of pod.spec?.initContainers ?? []) {
    const one = new Map<string, number>();
    containerDevices(init, one);
    for (const [name, count] of one) if (count > (total.get(name) ?? 0)) total.set(name, count);
  }
  for (const [name, count] of total) if (count === 0) total.delete(name);
  return total;
}

/** True once a pod no longer holds its devices (DESIGN.md: free = allocatable minus bound, non-terminated pods). */
export function isTerminated(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function podKey(pod: PodLike): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

export function hasKinferAnnotations(pod: PodLike): boolean {
  for (const key of Object.keys(pod.metadata?.annotations ?? {})) if (key.startsWith(ANNOTATION_PREFIX)) return true;
  return false;
}

// LeaderWorkerSet labels every pod of a group with the set's name and the group's index
// (sigs.k8s.io/lws, api/leaderworkerset/v1 constants); together they name one multi-host replica.
const LWS_NAME = 'leaderworkerset.sigs.k8s.io/name';
const LWS_GROUP_INDEX = 'leaderworkerset.sigs.k8s.io/group-index';

/**
 * The multi-host group a pod belongs to: `kinfer.dev/group`, else its LeaderWorkerSet group
 * (`<set>-<group index>`), else none.
 */
export function podGroup(pod: PodLike): string | undefined {
  const annotated = pod.metadata?.annotations?.[`${ANNOTATION_PREFIX}group`];
  if (annotated !== undefined) return annotated.trim();
  const labels = pod.metadata?.labels ?? {};
  const set = labels[LWS_NAME];
  const index = labels[LWS_GROUP_INDEX];
  return set !== undefined && index !== undefined ? `${set}-${index}` : undefined;
}
