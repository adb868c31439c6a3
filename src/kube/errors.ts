/**
 * One line for a failed API call: what failed, why, and what to do. client-node 1.x throws ApiException
 * (`code`, `body`) for HTTP errors and a fetch error with a `cause` (ECONNREFUSED, ENOTFOUND...) when the
 * server cannot be reached.
 */
export function describeKubeError(error: unknown, what: string, server?: string): string {
  const e = error as { code?: number | string; body?: unknown; message?: string; cause?: { code?: string; message?: string } };
  const status = typeof e.code === 'number' ? e.code : undefined;
  const message = statusMessage(e.body) ?? e.message ?? String(error);
  const network = e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined) ?? /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|certificate/i.exec(message)?.[0];
  if (status === undefined && network !== undefined) {
    return `${what}: cannot reach the cluster${server ? ` at ${server}` : ''} (${network}); check --kubeconfig / --context / KUBECONFIG and that the API server is up`;
  }
  switch (status) {
    case 401: return `${what}: unauthorized: the cluster rejected the kubeconfig's credentials (expired token?)`;
    case 403: return `${what}: forbidden: ${message}; ask a cluster admin for the RBAC this needs`;
    case 404: return `${what}: not found: ${message}`;
    case 409: return `${what}: conflict: ${message}`;
    case 422: return `${what}: rejected by the API server: ${message}`;
    case undefined: return `${what}: ${message}`;
    default: return `${what}: HTTP ${status}: ${message}`;
  }
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.trim() === '' ? undefined : body.trim().split('\n')[0];
    }
  }
  if (body && typeof body === 'object' && 'message' in body && typeof (body as { message: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return undefined;
}

export function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown }).code === 404;
}
