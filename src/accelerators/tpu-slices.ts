// TPU slices: a slice is a fixed set of chips joined by the inter-chip interconnect (ICI), provisioned in GKE as
// one node pool whose nodes all carry `cloud.google.com/gke-tpu-topology` (e.g. `4x4`: 16 chips). A slice of more
// chips than one host has is multi-host: its hosts serve one replica together, never one each (GKE "Plan TPUs in
// GKE", multi-host slices; the TPU runtime of every host waits for the whole slice).

/** One slice shape of a TPU type: its topology, chips, and the hosts that carry them. */
export interface TpuSliceShape {
  /** The `cloud.google.com/gke-tpu-topology` value, e.g. `4x4` or `2x2x2`. */
  readonly topology: string;
  readonly chips: number;
  readonly chipsPerHost: number;
  readonly hosts: number;
}

/** Chips in a topology (`4x4` → 16, `2x2x2` → 8); undefined for a value that is not AxB or AxBxC. */
export function topologyChips(topology: string): number | undefined {
  if (!/^\d+(x\d+){1,2}$/.test(topology)) return undefined;
  const chips = topology.split('x').reduce((n, d) => n * Number(d), 1);
  return chips > 0 ? chips : undefined;
}

/** A slice shape from its topology and the chips each of its hosts has (a node's allocatable `google.com/tpu`). */
export function sliceShape(topology: string, chipsPerHost: number): TpuSliceShape | undefined {
  const chips = topologyChips(topology);
  if (chips === undefined || !(chipsPerHost > 0)) return undefined;
  return { topology, chips, chipsPerHost, hosts: Math.max(1, Math.ceil(chips / chipsPerHost)) };
}

/**
 * The multi-host slice shapes GKE provisions per TPU type, smallest first, all on hosts of 4 chips (GKE "Plan TPUs
 * in GKE", topology tables: v5e ct5lp-hightpu-4t and v6e ct6e-standard-4t from 4x4 to 16x16; v5p ct5p-hightpu-4t
 * and TPU7x tpu7x-standard-4t in 3D shapes from 2x2x2). What a "does not fit" message names as the shape that would.
 */
const MULTI_HOST_TOPOLOGIES: Readonly<Record<string, readonly string[]>> = {
  'tpu-v5-lite-podslice': ['4x4', '4x8', '8x8', '8x16', '16x16'],
  'tpu-v6e-slice': ['4x4', '4x8', '8x8', '8x16', '16x16'],
  'tpu-v5p-slice': ['2x2x2', '2x2x4', '2x4x4', '4x4x4', '4x4x8'],
  'tpu7x': ['2x2x2', '2x2x4', '2x4x4', '4x4x4', '4x4x8'],
};
/** Chips per host of every multi-host shape above (the `-4t` machine types). */
const MULTI_HOST_CHIPS_PER_HOST = 4;

/** The multi-host slice shapes GKE offers for a TPU type, smallest first; empty for other types. */
export function multiHostShapes(type: string): TpuSliceShape[] {
  return (MULTI_HOST_TOPOLOGIES[type] ?? []).map((t) => sliceShape(t, MULTI_HOST_CHIPS_PER_HOST)!);
}

export function describeSlice(type: string, shape: TpuSliceShape): string {
  return `a ${type} ${shape.topology} slice (${shape.chips} chips${shape.hosts > 1 ? ` over ${shape.hosts} hosts` : ', one host'})`;
}
