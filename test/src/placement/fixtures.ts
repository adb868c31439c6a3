import { ModelRegistry } from '../../../src/models/user.js';
import { parsePlacementRequest, type PlacementRequest } from '../../../src/placement/request.js';
import { ClusterState } from '../../../src/placement/state.js';
import type { NodeBuilder, PodBuilder } from '../../builders.js';

export const models = new ModelRegistry();

/** Parses a pod builder into a request, failing the test loudly when the fixture itself is wrong. */
export function requestOf(pod: PodBuilder): PlacementRequest {
  const parsed = parsePlacementRequest(pod.build(), models);
  if (!parsed.ok) throw new Error(`fixture pod is invalid: ${JSON.stringify(parsed.error)}`);
  if (!parsed.value) throw new Error('fixture pod is not constrained by kinfer');
  return parsed.value;
}

export function clusterOf(nodes: readonly NodeBuilder[], pods: readonly PodBuilder[] = []): ClusterState {
  const state = new ClusterState();
  for (const node of nodes) state.upsertNode(node.build());
  for (const pod of pods) state.upsertPod(pod.build());
  return state;
}
