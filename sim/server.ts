import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { Engine, type EngineConfig, type EngineSnapshot, type FinishEvent, type TokenEvent } from './engine/engine.js';
import { outputLength, SeededRandom, type OutputLengthMode } from './engine/random.js';
import { fillerText, fillerToken, renderChat, tokenize } from './engine/tokens.js';
import { RealTimeDriver } from './driver.js';
import type { Logger } from '../src/log.js';
import { SimMetrics, type Dialect } from './metrics.js';
import { chatRequestSchema, completionRequestSchema, describeIssue, errorBody, usage, type ChatRequest, type CompletionRequest } from './openai.js';
import { VERSION } from '../src/version.js';

export interface SimOptions {
  /** The served model name: what /v1/models lists and requests must name. */
  readonly modelName: string;
  readonly dialect: Dialect;
  readonly engine: EngineConfig;
  readonly outputLength: OutputLengthMode;
  readonly seed: number;
  /** Engine milliseconds per wall-clock millisecond (1 = real time). */
  readonly speedup: number;
  /** Reported in vllm:cache_config_info. */
  readonly gpuMemoryUtilization: number;
  readonly log?: Logger;
}

/**
 * max_tokens for a chat request that names none. vLLM defaults to the rest of the context (max-model-len minus
 * the prompt), which with simulated always-full-length outputs would make every such request thousands of tokens
 * long; 256 is a typical chat answer. Completions default to 16, as in vLLM and OpenAI.
 */
export const DEFAULT_CHAT_MAX_TOKENS = 256;
export const DEFAULT_COMPLETION_MAX_TOKENS = 16;

export interface Sim {
  readonly app: express.Express;
  readonly engine: Engine;
  readonly driver: RealTimeDriver;
  readonly metrics: SimMetrics;
  /** Stops the step timer (requests in flight stop progressing). */
  close(): void;
}

type Kind = 'completion' | 'chat';

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

/** The engine, its wall-clock driver, its metrics and the express app serving vLLM's OpenAI-compatible API. */
export function createSim(options: SimOptions): Sim {
  const random = new SeededRandom(options.seed);
  const metrics: SimMetrics = new SimMetrics({
    dialect: options.dialect,
    modelName: options.modelName,
    cache: {
      blockSize: options.engine.blockSize, numGpuBlocks: options.engine.numGpuBlocks, maxModelLen: options.engine.maxModelLen,
      enablePrefixCaching: options.engine.enablePrefixCaching, gpuMemoryUtilization: options.gpuMemoryUtilization,
    },
    // Read at scrape time only, after `engine` below exists.
    snapshot: (): EngineSnapshot => engine.snapshot(),
  });
  const engine: Engine = new Engine(options.engine, metrics.observer);
  const driver = new RealTimeDriver(engine, options.speedup);
  const maxModelLen = options.engine.maxModelLen;

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '32mb', type: () => true }));

  const fail = (res: Response, status: number, message: string, param: string | null = null): void => {
    res.status(status).json(errorBody(status, message, param));
  };

  const prepare = (kind: Kind, body: CompletionRequest | ChatRequest, res: Response): Prepared | undefined => {
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
  };

  const serve = (kind: Kind) => (req: Request, res: Response): void => {
    const parsed = kind === 'chat' ? chatRequestSchema.safeParse(req.body) : completionRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      const { message, param } = describeIssue(parsed.error);
      fail(res, 400, message, param);
      return;
    }
    const p = prepare(kind, parsed.data, res);
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

  app.post('/v1/completions', serve('completion'));
  app.post('/v1/chat/completions', serve('chat'));
  app.get('/v1/models', (_req, res) => {
    res.json({
      object: 'list',
      data: [{ id: options.modelName, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'vllm', root: options.modelName, parent: null, max_model_len: maxModelLen }],
    });
  });
  app.get('/health', (_req, res) => {
    res.status(200).end();
  });
  app.get('/version', (_req, res) => {
    res.json({ version: `kinfer-sim ${VERSION}` });
  });
  app.get('/metrics', async (_req, res) => {
    driver.sync();
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use((req, res) => {
    fail(res, 404, `no route ${req.method} ${req.path}; kinfer-sim serves POST /v1/completions, POST /v1/chat/completions, GET /v1/models, /health, /metrics`);
  });
  const onError: ErrorRequestHandler = (error: { type?: string; status?: number; message?: string }, _req, res, _next) => {
    const status = typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    const what = error.type === 'entity.parse.failed' ? 'malformed JSON in the request body' : error.type === 'entity.too.large' ? 'request body too large' : (error.message ?? 'internal error');
    if (status === 500) options.log?.error('request failed', { error: what });
    fail(res, status === 413 ? 400 : status, what);
  };
  app.use(onError);

  return { app, engine, driver, metrics, close: () => driver.close() };
}

export interface RunningSim {
  readonly sim: Sim;
  readonly server: Server;
  /** http://host:port */
  readonly url: string;
  close(): Promise<void>;
}

/** Creates a sim and listens on host:port (port 0: an ephemeral one). */
export async function startSimServer(options: SimOptions, host: string, port: number): Promise<RunningSim> {
  const sim = createSim(options);
  const server = createServer(sim.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`)));
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    sim, server, url: `http://${shownHost}:${address.port}`,
    close: () => new Promise((resolve) => {
      sim.close();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
