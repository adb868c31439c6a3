import { z } from 'zod';

// The request bodies of the OpenAI-compatible endpoints, as vLLM accepts them (CompletionRequest and
// ChatCompletionRequest in vllm/entrypoints/openai/protocol.py): every field name and type is written here once.
// kinfer-sim validates strictly with these schemas, adding its own limits (one prompt, one choice; sim/openai.ts);
// kinfer-picker reads the fields it routes on through `routingRequestView`, which refuses only a body without a
// model, so it routes anything a real server would accept. Other OpenAI sampling fields are accepted and ignored
// (looseObject), as vLLM accepts fields it does not use.

/** The `model` field: a served model name. */
export const modelName = z.string().min(1);
export const positiveInt = z.number().int().min(1);
export const tokenId = z.number().int().min(0);

export const streamOptionsSchema = z.looseObject({
  include_usage: z.boolean().nullish(),
  continuous_usage_stats: z.boolean().nullish(),
});

/** The fields both endpoints share. */
export const requestFields = {
  model: modelName.nullish(),
  max_tokens: positiveInt.nullish(),
  /** vLLM sampling parameter: at least this many tokens before EOS may end the output. */
  min_tokens: z.number().int().min(0).nullish(),
  /** vLLM sampling parameter: never stop at EOS, always produce max_tokens. */
  ignore_eos: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  stream_options: streamOptionsSchema.nullish(),
  n: positiveInt.nullish(),
  temperature: z.number().min(0).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  user: z.string().nullish(),
};

/** The four shapes of completions' `prompt`: a text, a batch of texts, token ids, a batch of token-id lists. */
export const promptShapes = {
  text: z.string(),
  texts: z.array(z.string()),
  tokens: z.array(tokenId).min(1),
  tokenLists: z.array(z.array(tokenId).min(1)),
};
export const promptSchema = z.union([promptShapes.text, promptShapes.texts, promptShapes.tokens, promptShapes.tokenLists], {
  error: 'expected a string, an array of strings, or an array of token ids',
});

export const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });
export const messageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()], { error: 'expected a string or an array of content parts' }).optional(),
});
export const messagesSchema = z.array(messageSchema).min(1, 'messages must hold at least one message');

/** POST /v1/completions. */
export const completionRequestSchema = z.looseObject({ ...requestFields, prompt: promptSchema });
/** POST /v1/chat/completions. */
export const chatRequestSchema = z.looseObject({ ...requestFields, max_completion_tokens: positiveInt.nullish(), messages: messagesSchema });

/** A field that reads as undefined when it is missing or malformed, so a router never refuses a body over it. */
function lenient<T extends z.ZodType>(schema: T): z.ZodCatch<z.ZodOptional<T>> {
  return schema.optional().catch(undefined);
}

/**
 * What a router reads of either body, through the same field definitions: the model (required), the prompt or
 * the messages (a malformed message is skipped), and the output budget. Anything else is passed through unread.
 */
export const routingRequestView = z.looseObject({
  model: modelName,
  prompt: lenient(promptSchema),
  messages: lenient(z.array(lenient(messageSchema))),
  max_tokens: lenient(requestFields.max_tokens),
  max_completion_tokens: lenient(positiveInt.nullish()),
});
export type RoutingRequestView = z.infer<typeof routingRequestView>;
