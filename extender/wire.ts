import { z } from 'zod';

// kube-scheduler's extender wire types (k8s.io/kube-scheduler/extender/v1, types.go). The Go structs carry no
// json tags, so keys are the Go field names: PascalCase. Pinned by golden tests in test/extender/wire.test.ts.

/** Go encodes a nil map or pointer as null; read null as absent. */
const absentIfNull = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const stringMap = absentIfNull(z.record(z.string(), z.string()));
const quantityMap = absentIfNull(z.record(z.string(), z.union([z.string(), z.number()])));

const container = z.looseObject({
  name: z.string().optional(),
  resources: absentIfNull(z.looseObject({ requests: quantityMap, limits: quantityMap })),
});

/** v1.Pod: only the fields placement reads are checked; the rest passes through untouched. */
export const podSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string().min(1, 'Pod.metadata.name is required'),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    labels: stringMap,
    annotations: stringMap,
  }),
  spec: z.looseObject({
    nodeName: z.string().optional(),
    containers: absentIfNull(z.array(container)),
    initContainers: absentIfNull(z.array(container)),
  }).optional(),
  status: absentIfNull(z.looseObject({ phase: z.string().optional() })),
});

/** v1.Node: name, labels and allocatable are what discovery reads. */
export const nodeSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string().min(1), labels: stringMap }),
  status: absentIfNull(z.looseObject({ allocatable: stringMap, capacity: stringMap })),
});

/** ExtenderArgs: `NodeNames` when the scheduler runs the extender with nodeCacheCapable, else `Nodes`. */
export const extenderArgsSchema = z.object({
  Pod: podSchema,
  Nodes: z.looseObject({ items: z.array(nodeSchema).nullish() }).nullish(),
  NodeNames: z.array(z.string()).nullish(),
}).refine((a) => a.Nodes != null || a.NodeNames != null, { message: 'one of Nodes or NodeNames is required' });

export type ExtenderArgs = z.infer<typeof extenderArgsSchema>;
export type WirePod = z.infer<typeof podSchema>;
export type WireNode = z.infer<typeof nodeSchema>;

/** FailedNodesMap: node name → reason. */
export type FailedNodesMap = Record<string, string>;

export interface ExtenderFilterResult {
  Nodes: { items: WireNode[] } | null;
  NodeNames: string[] | null;
  FailedNodes: FailedNodesMap;
  FailedAndUnresolvableNodes: FailedNodesMap;
  Error: string;
}

export interface HostPriority {
  Host: string;
  Score: number;
}

export type HostPriorityList = HostPriority[];

/** The first problem of a failed parse, as one line with the path: `Pod.metadata.annotations: expected record`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  }).join('; ');
}
