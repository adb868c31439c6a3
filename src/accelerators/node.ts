import { parseCount } from '../units/quantity.js';

/** The parts of a Kubernetes Node that discovery reads; a `V1Node` satisfies it. */
export interface NodeLike {
  readonly metadata?: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly status?: {
    readonly allocatable?: Readonly<Record<string, string>>;
    readonly capacity?: Readonly<Record<string, string>>;
  };
}

const NO_LABELS: Readonly<Record<string, string>> = {};

export function nodeLabels(node: NodeLike): Readonly<Record<string, string>> {
  return node.metadata?.labels ?? NO_LABELS;
}

/** Extended resources the node lists in allocatable or capacity, allocatable's order first. */
export function resourceNames(node: NodeLike): string[] {
  const names = new Set(Object.keys(node.status?.allocatable ?? NO_LABELS));
  for (const name of Object.keys(node.status?.capacity ?? NO_LABELS)) names.add(name);
  return [...names];
}

export function hasResource(node: NodeLike, resourceName: string): boolean {
  return node.status?.allocatable?.[resourceName] !== undefined || node.status?.capacity?.[resourceName] !== undefined;
}

/** Devices the node offers pods: allocatable, or capacity when allocatable does not list the resource. */
export function deviceCount(node: NodeLike, resourceName: string): number {
  return parseCount(node.status?.allocatable?.[resourceName] ?? node.status?.capacity?.[resourceName]);
}
