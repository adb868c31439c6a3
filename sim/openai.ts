import { z } from 'zod';
import { chatRequestSchema as chatRequestFields, completionRequestSchema as completionRequestFields, promptShapes } from '../src/servers/openai.js';

// The request bodies as kinfer-sim validates them: the shared definitions (src/servers/openai.ts, vLLM's fields)
// with the sim's own limits. A wrong type on a field we act on is a 400, never a default.

const ONE_PROMPT = 'kinfer-sim serves one prompt per request';
/** kinfer-sim generates one choice per request. */
const oneChoice = z.number().int().refine((n) => n === 1, 'kinfer-sim generates one choice per request (n = 1)').nullish();

export const completionRequestSchema = completionRequestFields.extend({
  n: oneChoice,
  prompt: z.union([
    promptShapes.text,
    promptShapes.texts.length(1, ONE_PROMPT),
    promptShapes.tokens,
    promptShapes.tokenLists.length(1, ONE_PROMPT),
  ], { error: 'expected a string, an array of one string, or an array of token ids' }),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export const chatRequestSchema = chatRequestFields.extend({ n: oneChoice });
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** The first issue of a failed parse as one sentence, and the request field it concerns. */
export function describeIssue(error: z.ZodError): { message: string; param: string | null } {
  const issue = error.issues[0];
  if (issue === undefined) return { message: 'invalid request body', param: null };
  const param = issue.path.length > 0 ? issue.path.map(String).join('.') : null;
  return { message: param === null ? issue.message : `${param}: ${issue.message}`, param };
}

export interface ErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: number };
}

const ERROR_TYPES: Record<number, string> = { 400: 'BadRequestError', 404: 'NotFoundError', 500: 'InternalServerError' };

/** vLLM's ErrorResponse (vllm/entrypoints/openai/protocol.py): the OpenAI `error` object, type named after the HTTP status. */
export function errorBody(status: number, message: string, param: string | null = null): ErrorBody {
  return { error: { message, type: ERROR_TYPES[status] ?? 'BadRequestError', param, code: status } };
}

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}
