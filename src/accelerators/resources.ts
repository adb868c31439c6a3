// The extended resources a pod requests accelerator devices by, and the one place that decides which platform
// (and so which server image and node labels) a device resource means.

/** NVIDIA's device plugin (NVIDIA/k8s-device-plugin README: "nvidia.com/gpu"). */
export const NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu';
/** AMD's device plugin (ROCm/k8s-device-plugin README: "amd.com/gpu"). */
export const AMD_GPU_RESOURCE = 'amd.com/gpu';
/** GKE's TPU device plugin (cloud.google.com/kubernetes-engine/docs/how-to/tpus: `google.com/tpu`). */
export const TPU_RESOURCE = 'google.com/tpu';
/** NVIDIA MIG slices under the device plugin's "mixed" strategy: `nvidia.com/mig-3g.40gb`. */
export const MIG_RESOURCE_PREFIX = 'nvidia.com/mig-';

/** Whole-device resources, in the order a label-less node is read. MIG resources are handled apart. */
export const DEVICE_RESOURCES = [NVIDIA_GPU_RESOURCE, AMD_GPU_RESOURCE, TPU_RESOURCE] as const;

/** The server build a device needs: vLLM's CUDA, ROCm or TPU image. */
export type Platform = 'nvidia' | 'amd' | 'tpu';

/** Anything that names the device resource it is requested by: a catalog type, an inventory, a node's pool. */
export interface HasResourceName {
  readonly resourceName: string;
}

export function platformOf(subject: HasResourceName): Platform {
  return subject.resourceName === TPU_RESOURCE ? 'tpu' : subject.resourceName === AMD_GPU_RESOURCE ? 'amd' : 'nvidia';
}

/** True for TPU devices (a TPU pod takes its whole host; TPU slices have their own topology levels). */
export function isTpu(subject: HasResourceName): boolean {
  return platformOf(subject) === 'tpu';
}

/** Resource names of accelerator devices (DESIGN.md): whole devices, and NVIDIA MIG slices. */
export function isAcceleratorResource(name: string): boolean {
  return (DEVICE_RESOURCES as readonly string[]).includes(name) || name.startsWith(MIG_RESOURCE_PREFIX);
}
