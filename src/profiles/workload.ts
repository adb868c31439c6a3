import { z } from 'zod';
import { err, ok, type Result } from '../result.js';

// The request streams `kubectl inference bench` sends. Every body asks for a stream with the usage block (so the
// profile records the server's own token counts) and ignore_eos (vLLM, SGLang and kinfer-sim then produce exactly
// max_tokens, so the output length is the one asked for).

export interface BenchRequest {
  readonly path: '/v1/completions' | '/v1/chat/completions';
  readonly body: string;
}

/**
 * Three-letter words: one token each for Llama, Qwen, Gemma and GPT BPE vocabularies (with their leading space),
 * and for kinfer-sim's four-characters-a-token rule, so N words make a prompt of about N tokens everywhere.
 */
const WORDS = 'the and for are but not you all any can had her was one our out day get has him his how man new now old see two way who boy did its let put say she too use cat dog sun map red big low top run sit'.split(' ');

/** Roughly `tokens` tokens of text. */
export function words(tokens: number, random: () => number): string {
  const out: string[] = new Array<string>(tokens);
  for (let i = 0; i < tokens; i++) out[i] = WORDS[Math.floor(random() * WORDS.length)]!;
  return out.join(' ');
}

function completion(model: string, prompt: string, maxTokens: number): BenchRequest {
  return {
    path: '/v1/completions',
    body: JSON.stringify({ model, prompt, max_tokens: maxTokens, ignore_eos: true, stream: true, stream_options: { include_usage: true } }),
  };
}

/** Every prompt `inputTokens` long, every output `outputTokens`: the shape the profile is keyed by. */
export function syntheticWorkload(model: string, inputTokens: number, outputTokens: number, random: () => number): (i: number) => BenchRequest {
  return () => completion(model, words(inputTokens, random), outputTokens);
}

/**
 * `prefixes` shared system prompts of `prefixTokens` each (picked uniformly), then a question of the rest: the
 * prefix cache and prefix-aware routing have something to find.
 */
export function sharedPrefixWorkload(model: string, inputTokens: number, outputTokens: number, prefixes: number, prefixTokens: number, random: () => number): (i: number) => BenchRequest {
  const systems = Array.from({ length: prefixes }, (_, k) => `System prompt ${k}: ${words(prefixTokens, random)}`);
  const question = Math.max(1, inputTokens - prefixTokens);
  return () => completion(model, `${systems[Math.floor(random() * systems.length)]}\nQuestion: ${words(question, random)}`, outputTokens);
}

const promptLine = z.union([
  z.strictObject({ prompt: z.string().min(1), max_tokens: z.number().int().positive().optional() }),
  z.strictObject({
    messages: z.array(z.object({ role: z.string(), content: z.string() })).min(1),
    max_tokens: z.number().int().positive().optional(),
  }),
]);

/**
 * A JSONL file of prompts, one request per line: {"prompt": "...", "max_tokens": 128} or {"messages": [...]}
 * (sent to /v1/chat/completions); max_tokens defaults to `outputTokens`. Replayed in order, round and round.
 */
export function parsePromptsFile(text: string, what: string, model: string, outputTokens: number): Result<BenchRequest[]> {
  const requests: BenchRequest[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      return err(`${what}:${index + 1}: not JSON (${(error as Error).message})`);
    }
    const parsed = promptLine.safeParse(value);
    if (!parsed.success) return err(`${what}:${index + 1}: want {"prompt": "..."} or {"messages": [{"role": ..., "content": ...}]}, with an optional "max_tokens"`);
    const maxTokens = parsed.data.max_tokens ?? outputTokens;
    if ('prompt' in parsed.data) requests.push(completion(model, parsed.data.prompt, maxTokens));
    else {
      requests.push({
        path: '/v1/chat/completions',
        body: JSON.stringify({ model, messages: parsed.data.messages, max_tokens: maxTokens, ignore_eos: true, stream: true, stream_options: { include_usage: true } }),
      });
    }
  }
  if (requests.length === 0) return err(`${what}: no prompts (one JSON object per line)`);
  return ok(requests);
}
