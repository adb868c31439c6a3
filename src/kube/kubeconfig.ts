import { KubeConfig } from '@kubernetes/client-node';

// src/kube is the one part of src/ that touches the outside world: thin helpers over @kubernetes/client-node
// shared by every service and the plugin. Everything else in src/ is pure.

export interface KubeconfigOptions {
  /** A kubeconfig file; absent = $KUBECONFIG / ~/.kube/config, or in-cluster when `inCluster`. */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Prefer the pod's service account (a service running in the cluster). */
  readonly inCluster?: boolean;
}

/** Loads a kubeconfig the way kubectl does, or the in-cluster service account. Throws with a clear message. */
export function loadKubeConfig(options: KubeconfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig !== undefined) {
    try {
      kc.loadFromFile(options.kubeconfig);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(`cannot load kubeconfig ${options.kubeconfig}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
  } else if (options.inCluster && process.env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (options.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      throw new Error(`context "${options.context}" is not in the kubeconfig (has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error('no cluster in the kubeconfig: pass --kubeconfig, set KUBECONFIG, or run in a cluster');
  }
  return kc;
}
