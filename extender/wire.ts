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

type NodeList = { items?: WireNode[] | null | undefined };

/**
 * The Nodes of a `nodeCacheCapable: false` request, checked in place: only what discovery reads (name,
 * labels, allocatable, capacity). A zod object schema would copy every one of thousands of full Nodes
 * (tens of MB) on each call; this walks them once and passes the originals through.
 */
function nodeListProblem(value: unknown): { path: (string | number)[]; message: string } | undefined {
  if (typeof value !== 'object' || value === null) return { path: [], message: 'expected object' };
  const items = (value as { items?: unknown }).items;
  if (items === undefined || items === null) return undefined;
  if (!Array.isArray(items)) return { path: ['items'], message: 'expected array' };
  for (let i = 0; i < items.length; i++) {
    const problem = nodeProblem(items[i]);
    if (problem) return { path: ['items', i, ...problem.path], message: problem.message };
  }
  return undefined;
}

/** One Node of a full-Node request, checked in place (see nodeListProblem); the path is inside the Node. */
export function nodeProblem(value: unknown): { path: string[]; message: string } | undefined {
  const node = value as { metadata?: { name?: unknown; labels?: unknown }; status?: { allocatable?: unknown; capacity?: unknown } } | null;
  if (typeof node !== 'object' || node === null) return { path: [], message: 'expected object' };
  if (typeof node.metadata?.name !== 'string' || node.metadata.name === '') return { path: ['metadata', 'name'], message: 'expected a node name' };
  const maps: [string[], unknown][] = [[['metadata', 'labels'], node.metadata.labels], [['status', 'allocatable'], node.status?.allocatable], [['status', 'capacity'], node.status?.capacity]];
  for (const [path, map] of maps) {
    if (map === undefined || map === null) continue;
    if (typeof map !== 'object' || Array.isArray(map)) return { path, message: 'expected record' };
    for (const key in map) {
      if (typeof (map as Record<string, unknown>)[key] !== 'string') return { path: [...path, key], message: 'expected string' };
    }
  }
  return undefined;
}

const nodeListSchema = z.unknown().transform((value, ctx): NodeList | null | undefined => {
  if (value === null || value === undefined) return value;
  const problem = nodeListProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    return z.NEVER;
  }
  return value as NodeList;
});

/**
 * NodeNames, checked in place: z.array(z.string()) would build a new 5,000-element array (and a result per
 * element, ~400 kB at 5,000 nodes) on every call only to hand back the same strings.
 */
const nodeNamesSchema = z.unknown().transform((value, ctx): string[] | null | undefined => {
  if (value === null || value === undefined) return value;
  if (!Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'expected array' });
    return z.NEVER;
  }
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') {
      ctx.addIssue({ code: 'custom', path: [i], message: 'expected string' });
      return z.NEVER;
    }
  }
  return value as string[];
});

const nodesOrNames = { message: 'one of Nodes or NodeNames is required' };

/** ExtenderArgs: `NodeNames` when the scheduler runs the extender with nodeCacheCapable, else `Nodes`. */
export const extenderArgsSchema = z.object({
  Pod: podSchema,
  Nodes: nodeListSchema.optional(),
  NodeNames: nodeNamesSchema.optional(),
}).refine((a) => a.Nodes != null || a.NodeNames != null, nodesOrNames);

/** ExtenderArgs whose Pod was already validated (decode.ts ValidatedPods): the rest, checked the same way. */
export const argsBesidePodSchema = z.object({
  Pod: z.looseObject({}),
  Nodes: nodeListSchema.optional(),
  NodeNames: nodeNamesSchema.optional(),
}).refine((a) => a.Nodes != null || a.NodeNames != null, nodesOrNames);

export type ExtenderArgs = z.infer<typeof extenderArgsSchema>;
export type WirePod = z.infer<typeof podSchema>;
/** v1.Node as discovery reads it; other fields pass through untouched. */
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
