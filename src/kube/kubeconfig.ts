import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
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
    loadDefault(kc);
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

/**
 * kubectl's lookup, with errors that say what is missing: the files $KUBECONFIG lists, else ~/.kube/config, else
 * the pod's service account. client-node's own fallback would invent a cluster at http://localhost:8080 and fail
 * later with a TLS message, or throw a raw ENOENT.
 */
function loadDefault(kc: KubeConfig): void {
  const listed = (process.env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (listed.length > 0) {
    try {
      kc.loadFromDefault();
    } catch (error) {
      if (!isMissingFile(error)) throw error;
      throw new Error(`KUBECONFIG=${process.env.KUBECONFIG}: no such file${listed.length > 1 ? ` (${(error as NodeJS.ErrnoException).path ?? ''})` : ''}; point KUBECONFIG or --kubeconfig at a kubeconfig file`);
    }
    return;
  }
  const home = join(homedir(), '.kube', 'config');
  try {
    kc.loadFromFile(home);
    return;
  } catch (error) {
    if (!isMissingFile(error)) throw error;
  }
  if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else throw new Error(`no kubeconfig: ${home} does not exist and KUBECONFIG is not set; pass --kubeconfig FILE, set KUBECONFIG, or run inside a cluster`);
}

function isMissingFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
