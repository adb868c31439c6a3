import { tokenize } from '../../sim/engine/tokens.js';
import { blockHashes, estimateTokens } from '../../src/routing/prefix.js';
import { mulberry32, type Rng } from './prng.js';

// The request trace of the routing benchmark: one seeded sequence of requests, replayed at every arrival rate
// (arrival times are the same exponential gaps scaled by 1/rate, so every policy and rate sees the same requests).
//
// Shape, loosely after chat-serving traces (ShareGPT-like lengths, with agents' long system prompts):
// - 70% of requests belong to chat sessions: a system prompt (one of 16, Zipf-popular, 300-2500 tokens), the
//   session's earlier turns (user messages and the model's answers, verbatim), and a new user message. A session
//   continues with probability 0.6 per request (it is picked among the 48 most recent sessions), up to 6 turns;
// - 30% are one-off prompts with no shared prefix (documents to summarize), lognormal with a long tail;
// - user messages are lognormal (median 120 tokens, σ 1.0), outputs lognormal (median 150 tokens, σ 0.9, at most 1500).
// Text is random characters (4 per token, kinfer-sim's tokenizer rule); prompts sharing text share KV blocks.

export interface TraceRequest {
  readonly id: string;
  /** Gap before this arrival at rate 1 request/s (exponential, mean 1 s). */
  readonly gapAtUnitRate: number;
  readonly promptTokenIds: readonly number[];
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** The picker's prefix hashes (64-character blocks, seeded with the model name). */
  readonly prefixHashes: readonly string[];
}

export interface TraceOptions {
  readonly requests: number;
  readonly seed: number;
  readonly model: string;
  /** Prompt + output tokens a request may have (the engines' max-model-len). */
  readonly maxModelLen: number;
  readonly prefixBlockSize: number;
}

const SYSTEM_PROMPTS = 16;
const SESSION_SHARE = 0.7;
const CONTINUE_PROBABILITY = 0.6;
const OPEN_SESSIONS = 48;
const MAX_TURNS = 6;

function lognormal(rng: Rng, median: number, sigma: number): number {
  const u1 = Math.max(rng(), 1e-12);
  const u2 = rng();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return median * Math.exp(sigma * z);
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz     ABCDEFGHIJ.,;:0123456789';

/** `tokens` tokens of random text (4 characters each). */
function randomText(rng: Rng, tokens: number): string {
  const chars: string[] = new Array<string>(tokens * 4);
  for (let i = 0; i < chars.length; i++) chars[i] = ALPHABET[Math.floor(rng() * ALPHABET.length)] as string;
  return chars.join('');
}

function clampInt(x: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(x)));
}

interface Session {
  readonly system: number;
  text: string;
  turns: number;
}

export function makeTrace(options: TraceOptions): TraceRequest[] {
  const rng = mulberry32(options.seed);
  const zipf = Array.from({ length: SYSTEM_PROMPTS }, (_, k) => 1 / (k + 1) ** 1.1);
  const zipfTotal = zipf.reduce((a, b) => a + b, 0);
  const systems = Array.from({ length: SYSTEM_PROMPTS }, () => `<|system|>${randomText(rng, clampInt(lognormal(rng, 900, 0.6), 300, 2500))}`);
  const open: Session[] = [];
  const trace: TraceRequest[] = [];
  for (let i = 0; i < options.requests; i++) {
    const outputTokens = clampInt(lognormal(rng, 150, 0.9), 4, 1500);
    const budget = options.maxModelLen - outputTokens - 8;
    let text: string;
    if (rng() < SESSION_SHARE) {
      let session: Session | undefined;
      if (open.length > 0 && rng() < CONTINUE_PROBABILITY) session = open[Math.floor(rng() * open.length)];
      if (session === undefined) {
        let x = rng() * zipfTotal;
        let system = 0;
        while (system < SYSTEM_PROMPTS - 1 && (x -= zipf[system] as number) > 0) system++;
        session = { system, text: systems[system] as string, turns: 0 };
        open.push(session);
        if (open.length > OPEN_SESSIONS) open.shift();
      }
      const user = `<|user|>${randomText(rng, clampInt(lognormal(rng, 120, 1.0), 4, 3000))}<|assistant|>`;
      text = session.text + user;
      if (estimateTokens(text) > budget) {
        text = (systems[session.system] as string) + user; // the conversation outgrew the context: start over
        session.text = systems[session.system] as string;
        session.turns = 0;
      }
      session.turns++;
      // The next turn carries this one verbatim, with the answer (random text of the output's length).
      session.text = text + randomText(rng, outputTokens);
      if (session.turns >= MAX_TURNS) open.splice(open.indexOf(session), 1);
    } else {
      text = `<|user|>${randomText(rng, clampInt(lognormal(rng, 700, 1.1), 16, budget))}`;
    }
    if (estimateTokens(text) > budget) text = text.slice(0, budget * 4);
    const promptTokenIds = tokenize(text);
    trace.push({
      id: `r${i}`,
      gapAtUnitRate: -Math.log(1 - rng()),
      promptTokenIds,
      promptTokens: estimateTokens(text),
      outputTokens,
      prefixHashes: blockHashes(text, options.prefixBlockSize, options.model),
    });
  }
  return trace;
}

/**
 * The EPP stand's workload (bench/routing-epp.bench.ts `workload`, the same draws in the same order, so a seed gives
 * the same lengths and arrivals for its first requests): 8 shared system prompts, then a question of long-tailed
 * length (median 300 words, at most 3,000) and a long-tailed output (median 120 tokens, at most 500), with the
 * same salted system-prompt tag so prompts tokenize alike.
 */
export function makeStandTrace(options: { readonly requests: number; readonly seed: number; readonly model: string; readonly prefixBlockSize: number }): TraceRequest[] {
  const random = mulberry32(options.seed);
  const tag = '[run 0000] ';
  const systems = Array.from({ length: 8 }, (_, i) => tag + `System ${i}: you are assistant number ${i}; answer in detail. `.repeat(25));
  const longTail = (median: number, max: number): number => Math.min(max, Math.max(1, Math.round(median * Math.exp((random() - 0.5) * 2.6))));
  return Array.from({ length: options.requests }, (_, i) => {
    const outputTokens = longTail(120, 500);
    const text = `${systems[Math.floor(random() * systems.length)] as string}Question: ${'word '.repeat(longTail(300, 3000))}`;
    return {
      id: `s${i}`,
      gapAtUnitRate: -Math.log(1 - random()),
      promptTokenIds: tokenize(text),
      promptTokens: estimateTokens(text),
      outputTokens,
      prefixHashes: blockHashes(text, options.prefixBlockSize, options.model),
    };
  });
}
