import type { KubernetesObject } from '@kubernetes/client-node';

// Reaching a pool the way clients do: through a Gateway whose HTTPRoute sends traffic to the InferencePool, so
// every request passes the pool's endpoint picker.

interface ParentRef { name?: string; namespace?: string; sectionName?: string; port?: number }
interface HttpRoute extends KubernetesObject {
  spec?: { parentRefs?: ParentRef[]; rules?: { backendRefs?: { group?: string; kind?: string; name?: string }[] }[] };
}
interface Gateway extends KubernetesObject {
  spec?: { listeners?: { name?: string; port?: number; protocol?: string }[] };
  status?: { addresses?: { type?: string; value?: string }[] };
}

/** The HTTPRoute parent (Gateway) that routes to InferencePool `pool`, if any. */
export function routeParent(routes: readonly KubernetesObject[], pool: string): { route: string; parent: ParentRef } | undefined {
  for (const route of routes as HttpRoute[]) {
    const toPool = route.spec?.rules?.some((rule) => rule.backendRefs?.some((b) => b.kind === 'InferencePool' && b.name === pool));
    const parent = route.spec?.parentRefs?.[0];
    if (toPool && parent?.name) return { route: route.metadata?.name ?? '', parent };
  }
  return undefined;
}

/** The URL of a Gateway's listener: its first address, the parent's section (or first HTTP listener) port. */
export function gatewayUrl(gateway: KubernetesObject, parent: ParentRef): { url: URL } | { problem: string } {
  const g = gateway as Gateway;
  const address = g.status?.addresses?.find((a) => a.value)?.value;
  if (!address) return { problem: `Gateway ${g.metadata?.name} has no address in its status yet` };
  const listeners = g.spec?.listeners ?? [];
  const listener = listeners.find((l) => l.name === parent.sectionName) ?? listeners.find((l) => l.protocol === 'HTTP' || l.protocol === 'HTTPS') ?? listeners[0];
  const port = parent.port ?? listener?.port;
  if (!port) return { problem: `Gateway ${g.metadata?.name} has no listener port` };
  const scheme = listener?.protocol === 'HTTPS' ? 'https' : 'http';
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  return { url: new URL(`${scheme}://${host}:${port}`) };
}
