import { Engine, type EngineConfig, type EngineRequest, type FinishEvent, type TokenEvent } from '../../sim/engine/engine.js';
import type { SpeedModel } from '../../sim/engine/speed.js';

/** A round speed model for readable figures: 10 ms per step base, 1 µs per KV token, 10,000 prefill tokens/s. */
export const SPEED: SpeedModel = { prefillTokensPerSecond: 10_000, decodeBaseMs: 10, decodePerSeqMs: 0.1, decodePerKvTokenUs: 1 };

export function engineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    numGpuBlocks: 1024, blockSize: 16, maxNumSeqs: 256, maxNumBatchedTokens: 8192, maxModelLen: 8192,
    enablePrefixCaching: true, speed: SPEED, ...overrides,
  };
}

/** `length` distinct token ids; the same `tag` gives the same ids, so two prompts built from one tag share them. */
export function tokens(length: number, tag = 'p'): number[] {
  let h = 0;
  for (const c of tag) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return Array.from({ length }, (_, i) => (h * 1_000_003 + i) >>> 0);
}

export function request(id: string, promptTokenIds: readonly number[], outputTokens: number): EngineRequest {
  return { id, promptTokenIds, outputTokens };
}

/** An engine with a recorder of every request's events. */
export function recordedEngine(config: EngineConfig): { engine: Engine; tokens: TokenEvent[]; finished: Map<string, FinishEvent> } {
  const tokenEvents: TokenEvent[] = [];
  const finished = new Map<string, FinishEvent>();
  const engine = new Engine(config, {
    onToken: (event) => tokenEvents.push(event),
    onFinish: (event) => finished.set(event.requestId, event),
  });
  return { engine, tokens: tokenEvents, finished };
}

export function mustSubmit(engine: Engine, req: EngineRequest, atMs?: number): void {
  const result = engine.submit(req, atMs === undefined ? {} : { atMs });
  if (!result.ok) throw new Error(`submit ${req.id}: ${result.error}`);
}

/** Time to first token of a finished request. */
export function ttftMs(event: FinishEvent | undefined): number {
  if (event?.firstTokenMs === undefined) throw new Error('request produced no token');
  return event.firstTokenMs - event.arrivalMs;
}
