/** Labels every object `deploy` creates carries, so `list` and `delete` find them and nothing else. */
export const MANAGED_BY = 'kubectl-inference';
export const LABELS = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  /** The deployment (kinfer's word: one model served under one name) an object belongs to; the pool selects on it. */
  deployment: 'kinfer.dev/deployment',
  model: 'kinfer.dev/model',
  accelerator: 'kinfer.dev/accelerator',
  server: 'kinfer.dev/server',
} as const;

/**
 * A model id as a label value (≤ 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends): the `/` of a
 * Hugging Face id becomes `--`. The full id stays in the `kinfer.dev/model` annotation.
 */
export function modelLabelValue(modelId: string): string {
  const safe = modelId.replace(/\//g, '--').replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63);
  return safe.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/** A DNS-1123 name from a model id: `meta-llama/Llama-3.1-8B-Instruct` → `llama-3-1-8b-instruct`. */
export function defaultName(modelId: string): string {
  const last = modelId.split('/').pop() ?? modelId;
  return last.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 50).replace(/-$/, '') || 'model';
}

export const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
