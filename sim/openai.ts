import { z } from 'zod';

// Request bodies of the OpenAI-compatible endpoints, as vLLM accepts them. Fields kinfer-sim acts on are typed
// and validated; other OpenAI sampling fields (temperature, top_p, stop, ...) are accepted and ignored, as vLLM
// accepts fields it does not use (it logs them). A wrong type on a field we act on is a 400, never a default.

const positiveInt = z.number().int().min(1);

const streamOptions = z.looseObject({
  include_usage: z.boolean().nullish(),
  continuous_usage_stats: z.boolean().nullish(),
}).nullish();

const common = {
  model: z.string().min(1).nullish(),
  max_tokens: positiveInt.nullish(),
  /** vLLM sampling parameter: at least this many tokens before EOS may end the output. */
  min_tokens: z.number().int().min(0).nullish(),
  /** vLLM sampling parameter: never stop at EOS, always produce max_tokens. */
  ignore_eos: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  n: z.number().int().refine((n) => n === 1, 'kinfer-sim generates one choice per request (n = 1)').nullish(),
  temperature: z.number().min(0).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  user: z.string().nullish(),
};

export const completionRequestSchema = z.looseObject({
  ...common,
  prompt: z.union([
    z.string(),
    z.array(z.string()).length(1, 'kinfer-sim serves one prompt per request'),
    z.array(z.number().int().min(0)).min(1),
    z.array(z.array(z.number().int().min(0)).min(1)).length(1, 'kinfer-sim serves one prompt per request'),
  ], { error: 'expected a string, an array of one string, or an array of token ids' }),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

export const chatRequestSchema = z.looseObject({
  ...common,
  max_completion_tokens: positiveInt.nullish(),
  messages: z.array(z.looseObject({
    role: z.string().min(1),
    content: z.union([z.string(), z.array(contentPart), z.null()], { error: 'expected a string or an array of content parts' }).optional(),
  })).min(1, 'messages must hold at least one message'),
});
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
