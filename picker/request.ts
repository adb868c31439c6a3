import { blockHashes, DEFAULT_PREFIX_BLOCK_SIZE, estimateTokens } from '../src/routing/prefix.js';
import type { InferenceRequest } from '../src/routing/types.js';
import { err, ok, type Result } from '../src/result.js';

/** The prompt text of an OpenAI-style body: completions' `prompt`, or chat `messages` in order. */
function promptText(body: Record<string, unknown>): string {
  const prompt = body.prompt;
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt)) return prompt.filter((p) => typeof p === 'string').join('\n');
  const messages = body.messages;
  if (!Array.isArray(messages)) return '';
  const parts: string[] = [];
  for (const m of messages as { role?: unknown; content?: unknown }[]) {
    const content = m?.content;
    const text = typeof content === 'string'
      ? content
      : Array.isArray(content) ? content.map((c: { text?: unknown }) => (typeof c?.text === 'string' ? c.text : '')).join('') : '';
    parts.push(`${typeof m?.role === 'string' ? m.role : 'user'}: ${text}`);
  }
  return parts.join('\n');
}

/**
 * An InferenceRequest from a request body (OpenAI completions or chat). The body must be a JSON object naming
 * a `model`; the prompt's tokens are estimated and its prefix hashed for prefix affinity.
 */
export function inferenceRequest(bodyText: string, headers: Readonly<Record<string, string>> = {}, blockSize = DEFAULT_PREFIX_BLOCK_SIZE): Result<InferenceRequest> {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return err('the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return err('the request body must be a JSON object');
  const fields = body as Record<string, unknown>;
  if (typeof fields.model !== 'string' || fields.model === '') return err('the request body must name a "model"');
  const text = promptText(fields);
  const maxTokens = typeof fields.max_tokens === 'number' ? fields.max_tokens : typeof fields.max_completion_tokens === 'number' ? fields.max_completion_tokens : undefined;
  return ok({
    model: fields.model,
    promptTokens: estimateTokens(text),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    prefixHashes: blockHashes(text, blockSize, fields.model),
    headers,
  });
}
