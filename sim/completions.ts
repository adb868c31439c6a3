import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Engine, FinishEvent, TokenEvent } from './engine/engine.js';
import { outputLength, type SeededRandom } from './engine/random.js';
import { fillerText, fillerToken, renderChat, tokenize } from './engine/tokens.js';
import type { RealTimeDriver } from './driver.js';
import type { SimMetrics } from './metrics.js';
import { chatRequestSchema, completionRequestSchema, describeIssue, errorBody, usage, type ChatRequest, type CompletionRequest } from './openai.js';
import type { SimOptions } from './server.js';

// The sim's two generation endpoints, as vLLM answers them: validation and vLLM's error texts, the request's
// tokens and length, then the engine's token and finish events as a JSON answer or an SSE stream.

/**
 * max_tokens for a chat request that names none. vLLM defaults to the rest of the context (max-model-len minus
 * the prompt), which with simulated always-full-length outputs would make every such request thousands of tokens
 * long; 256 is a typical chat answer. Completions default to 16, as in vLLM and OpenAI.
 */
export const DEFAULT_CHAT_MAX_TOKENS = 256;
export const DEFAULT_COMPLETION_MAX_TOKENS = 16;

/** What the handlers share with the rest of the sim. */
export interface CompletionContext {
  readonly options: SimOptions;
  readonly engine: Engine;
  readonly driver: RealTimeDriver;
  readonly metrics: SimMetrics;
  readonly random: SeededRandom;
}

/** An OpenAI-style error answer. */
export function fail(res: Response, status: number, message: string, param: string | null = null): void {
  res.status(status).json(errorBody(status, message, param));
}

export type Kind = 'completion' | 'chat';

interface Prepared {
  readonly promptTokenIds: number[];
  readonly maxTokens: number;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly minTokens: number;
  readonly ignoreEos: boolean;
}

function chatText(content: ChatRequest['messages'][number]['content']): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return content.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('');
}

function completionPrompt(prompt: CompletionRequest['prompt']): number[] {
  if (typeof prompt === 'string') return tokenize(prompt);
  const first = prompt[0];
  if (typeof first === 'string') return tokenize(first);
  if (Array.isArray(first)) return first;
  return prompt as number[];
}

function prepare(ctx: CompletionContext, kind: Kind, body: CompletionRequest | ChatRequest, res: Response): Prepared | undefined {
  const { options, engine } = ctx;
  const maxModelLen = options.engine.maxModelLen;
  if (body.model !== undefined && body.model !== null && body.model !== options.modelName) {
    fail(res, 404, `The model \`${body.model}\` does not exist.`, 'model');
    return undefined;
  }
  const promptTokenIds = kind === 'chat'
    ? tokenize(renderChat((body as ChatRequest).messages.map((m) => ({ role: m.role, content: chatText(m.content) }))))
    : completionPrompt((body as CompletionRequest).prompt);
  if (promptTokenIds.length === 0) {
    fail(res, 400, 'The prompt cannot be empty.', 'prompt');
    return undefined;
  }
  const asked = kind === 'chat' ? ((body as ChatRequest).max_completion_tokens ?? body.max_tokens) : body.max_tokens;
  const maxTokens = asked ?? (kind === 'chat' ? Math.min(DEFAULT_CHAT_MAX_TOKENS, maxModelLen - promptTokenIds.length) : DEFAULT_COMPLETION_MAX_TOKENS);
  const where = kind === 'chat' ? 'messages' : 'prompt';
  if (maxTokens < 1 || promptTokenIds.length + maxTokens > maxModelLen) {
    fail(res, 400, `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokenIds.length + Math.max(maxTokens, 0)} tokens `
      + `(${promptTokenIds.length} in the ${where}, ${Math.max(maxTokens, 0)} in the completion). Please reduce the length of the ${where} or completion.`);
    return undefined;
  }
  const rejected = engine.rejectReason(promptTokenIds.length, maxTokens);
  if (rejected !== undefined) {
    fail(res, 400, `kinfer-sim cannot serve this request: ${rejected}.`);
    return undefined;
  }
  return {
    promptTokenIds, maxTokens,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    minTokens: body.min_tokens ?? 0,
    ignoreEos: body.ignore_eos === true,
  };
}

/** The handler of POST /v1/completions (kind 'completion') or /v1/chat/completions ('chat'), vLLM's answers and errors. */
export function completionsHandler(ctx: CompletionContext, kind: Kind): (req: Request, res: Response) => void {
  const { options, driver, metrics, random } = ctx;
  return (req, res) => {
    const parsed = kind === 'chat' ? chatRequestSchema.safeParse(req.body) : completionRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      const { message, param } = describeIssue(parsed.error);
      fail(res, 400, message, param);
      return;
    }
    const p = prepare(ctx, kind, parsed.data, res);
    if (p === undefined) return;

    // Ids are unique across processes (a seeded generator would repeat them in every sim with the same seed).
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(16).toString('hex')}`;
    const created = Math.floor(Date.now() / 1000);
    const object = kind === 'chat' ? 'chat.completion' : 'text_completion';
    const chunkObject = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    const outputTokens = outputLength(options.outputLength, p.maxTokens, p.minTokens, random, p.ignoreEos);
    let open = true;
    const send = (data: unknown): void => {
      res.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    const chunk = (text: string | undefined, finishReason: string | null): object => ({
      id, object: chunkObject, created, model: options.modelName,
      choices: [kind === 'chat'
        ? { index: 0, delta: text === undefined ? {} : { content: text }, logprobs: null, finish_reason: finishReason }
        : { index: 0, text: text ?? '', logprobs: null, finish_reason: finishReason, stop_reason: null }],
    });

    const onToken = (event: TokenEvent): void => {
      if (!open || !p.stream) return;
      if (event.index === 0 && kind === 'chat') {
        send({ id, object: chunkObject, created, model: options.modelName, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
      }
      send(chunk(fillerToken(event.index), null));
    };
    const onFinish = (event: FinishEvent): void => {
      if (event.reason === 'aborted') {
        metrics.requestFinished('abort');
        open = false;
        return;
      }
      const finishReason = event.outputTokens >= p.maxTokens ? 'length' : 'stop';
      metrics.requestFinished(finishReason);
      if (!open) return;
      open = false;
      const u = usage(event.promptTokens, event.outputTokens);
      if (p.stream) {
        send(chunk(undefined, finishReason));
        if (p.includeUsage) send({ id, object: chunkObject, created, model: options.modelName, choices: [], usage: u });
        res.end('data: [DONE]\n\n');
        return;
      }
      const text = fillerText(event.outputTokens);
      res.json({
        id, object, created, model: options.modelName,
        choices: [kind === 'chat'
          ? { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: finishReason, stop_reason: null }
          : { index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null }],
        usage: u,
      });
    };

    if (p.stream) {
      res.status(200);
      res.setHeader('content-type', 'text/event-stream; charset=utf-8');
      res.setHeader('cache-control', 'no-cache');
      res.flushHeaders();
    }
    res.on('close', () => {
      if (!open) return;
      open = false;
      driver.abort(id);
      options.log?.debug('client went away; request aborted', { id });
    });
    const submitted = driver.submit({ id, promptTokenIds: p.promptTokenIds, outputTokens }, { onToken, onFinish });
    if (!submitted.ok) {
      open = false;
      if (p.stream) res.end(`data: ${JSON.stringify(errorBody(500, submitted.error))}\n\n`);
      else fail(res, 500, submitted.error);
    }
  };
}
