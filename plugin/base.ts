import { Command, Flags, type Interfaces } from '@oclif/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../src/kube/kubeconfig.js';
import { UsageError } from '../src/usage.js';
import { Cluster, KubeError } from './cluster.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof KubeCommand)['baseFlags'] & T['flags']>;

/**
 * kubectl's habits for every command: errors as one line on stderr, exit 0 ok / 1 error / 2 usage, notes on
 * stderr. Commands that never reach a cluster (models, profiles) extend this and show no cluster flags.
 */
export abstract class LocalCommand extends Command {
  /** Progress and notes go to stderr, so stdout stays data (`-o yaml` pipes cleanly). */
  protected note(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  protected override async catch(error: Error & { oclif?: { exit?: number } }): Promise<unknown> {
    // oclif's parse errors (a bad option value among them) carry the parse that failed: all are usage errors.
    const parseError = 'parse' in error;
    if (error instanceof UsageError || error.oclif?.exit === 2 || parseError) {
      // oclif's parse errors span lines ("Parsing --replicas \n\tExpected ...\nSee more help with --help"): make one.
      const message = error.message.replace(/\s*See more help with --help\s*$/, '').trim().replace(/:?\s*\n\s*/g, ': ').replace(/\s{2,}/g, ' ');
      process.stderr.write(`error: ${message} (see --help)\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof KubeError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    if (error.oclif?.exit !== undefined) return super.catch(error);
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 1;
    return undefined;
  }
}

/** A command that talks to a cluster: LocalCommand plus --kubeconfig, --context, -n/--namespace (KUBECONFIG honoured). */
export abstract class KubeCommand extends LocalCommand {
  static override baseFlags = {
    kubeconfig: Flags.string({ summary: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).', helpGroup: 'KUBECTL' }),
    context: Flags.string({ summary: 'The kubeconfig context to use.', helpGroup: 'KUBECTL' }),
    namespace: Flags.string({ char: 'n', summary: "Namespace (default: the context's, else default).", helpGroup: 'KUBECTL' }),
  };

  private kube: KubeConfig | undefined;

  protected kubeConfig(flags: { kubeconfig?: string | undefined; context?: string | undefined }): KubeConfig {
    if (!this.kube) {
      try {
        this.kube = loadKubeConfig({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context ? { context: flags.context } : {}) });
      } catch (error) {
        throw new KubeError((error as Error).message);
      }
    }
    return this.kube;
  }

  protected cluster(flags: { kubeconfig?: string | undefined; context?: string | undefined; namespace?: string | undefined }): Cluster {
    const kc = this.kubeConfig(flags);
    const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
    return new Cluster(kc, flags.namespace ?? contextNamespace ?? 'default');
  }
}
