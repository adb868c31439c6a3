/** A Kubernetes object as plain data: what server-side apply sends and `-o yaml` prints. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export const INFERENCE_POOL = { group: 'inference.networking.k8s.io', version: 'v1', kind: 'InferencePool', plural: 'inferencepools' } as const;
export const LEADER_WORKER_SET = { group: 'leaderworkerset.x-k8s.io', version: 'v1', kind: 'LeaderWorkerSet', plural: 'leaderworkersets' } as const;
