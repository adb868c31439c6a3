import { blockHashes, DEFAULT_PREFIX_BLOCK_SIZE, estimateTokens } from '../src/routing/prefix.js';
import type { InferenceRequest } from '../src/routing/types.js';
import { err, ok, type Result } from '../src/result.js';
import { routingRequestView, type RoutingRequestView } from '../src/servers/openai.js';

/** The prompt text of an OpenAI-style body: completions' `prompt` (texts joined; token ids carry no text), or chat `messages` in order. */
function promptText(body: RoutingRequestView): string {
  const { prompt, messages } = body;
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt)) return prompt.filter((p) => typeof p === 'string').join('\n');
  if (messages === undefined) return '';
  return messages.flatMap((m) => {
    if (m === undefined) return [];
    const content = m.content;
    const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((c) => c.text ?? '').join('') : '';
    return [`${m.role}: ${text}`];
  }).join('\n');
}

/**
 * An InferenceRequest from a request body (OpenAI completions or chat), read through the shared request
 * definitions (src/servers/openai.ts) leniently: the body must be a JSON object naming a `model`; the prompt's
 * tokens are estimated and its prefix hashed for prefix affinity.
 */
export function inferenceRequest(bodyText: string, headers: Readonly<Record<string, string>> = {}, blockSize = DEFAULT_PREFIX_BLOCK_SIZE): Result<InferenceRequest> {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return err('the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return err('the request body must be a JSON object');
  const view = routingRequestView.safeParse(body);
  if (!view.success) return err('the request body must name a "model"');
  const fields = view.data;
  const text = promptText(fields);
  const maxTokens = fields.max_tokens ?? fields.max_completion_tokens ?? undefined;
  return ok({
    model: fields.model,
    promptTokens: estimateTokens(text),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    prefixHashes: blockHashes(text, blockSize, fields.model),
    headers,
  });
}
