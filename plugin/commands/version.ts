import { AppsV1Api, VersionApi } from '@kubernetes/client-node';
import { Flags } from '@oclif/core';
import { KINFER_IMAGE_REPOSITORY } from '../../src/manifests/picker.js';
import { VERSION } from '../../src/version.js';
import { KubeCommand } from '../base.js';
import { formatData } from '../render.js';
import { outputFlag } from '../flags.js';

/** How long the server part may take before the command gives up on it (the client part always prints). */
const SERVER_TIMEOUT_MS = 5000;

interface Component {
  readonly namespace: string;
  readonly deployment: string;
  readonly container: string;
  readonly image: string;
}

export default class Version extends KubeCommand {
  static override summary = 'Print the client version and, when the cluster answers, its version and the kinfer components installed.';

  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --client', '<%= config.bin %> version -o yaml'];

  static override flags = {
    client: Flags.boolean({ default: false, summary: 'The client version only; no cluster needed.' }),
    output: outputFlag(['json', 'yaml'] as const, 'Print the versions as data.'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    const data: { clientVersion: string; serverVersion?: string; components?: Component[]; serverError?: string } = { clientVersion: VERSION };
    if (!flags.client) {
      try {
        const kc = this.kubeConfig(flags);
        const server = await withTimeout((async () => {
          const code = await kc.makeApiClient(VersionApi).getCode();
          const deployments = await kc.makeApiClient(AppsV1Api).listDeploymentForAllNamespaces();
          const components = deployments.items.flatMap((d) => (d.spec?.template.spec?.containers ?? [])
            .filter((c) => (c.image ?? '').startsWith(`${KINFER_IMAGE_REPOSITORY}:`) || (c.command ?? []).some((a) => /kinfer-(extender|picker|sim)\.js$/.test(a)))
            .map((c) => ({ namespace: d.metadata?.namespace ?? '', deployment: d.metadata?.name ?? '', container: c.name, image: c.image ?? '' })));
          return { serverVersion: code.gitVersion, components };
        })());
        Object.assign(data, server);
      } catch (error) {
        data.serverError = (error as Error).message.split('\n')[0] ?? String(error);
      }
    }
    if (flags.output) {
      this.log(formatData(data, flags.output));
      return;
    }
    this.log(`Client Version: ${data.clientVersion}`);
    if (data.serverVersion !== undefined) this.log(`Server Version: ${data.serverVersion}`);
    for (const c of data.components ?? []) this.log(`${c.deployment} (${c.namespace}, ${c.container}): ${c.image}`);
    if (data.components?.length === 0) this.log('kinfer components: none found (helm install kinfer charts/kinfer-scheduler; see docs/install.md)');
    if (data.serverError !== undefined) this.note(`cluster: ${data.serverError}`);
  }
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${SERVER_TIMEOUT_MS / 1000}s`)), SERVER_TIMEOUT_MS).unref())]);
}
