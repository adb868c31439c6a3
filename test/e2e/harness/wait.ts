// Bounded waiting: every wait in the e2e suites goes through here, so none can hang a run.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** Give up after this long (ms). */
  readonly timeoutMs: number;
  /** Poll period (ms); default 250. */
  readonly intervalMs?: number;
  /** Named in the timeout error: "timed out after 30s waiting for <what>". */
  readonly what: string;
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`false` and returns that value. Errors thrown
 * by the probe count as "not yet" (the API server may be restarting), and the last one is in the timeout error,
 * together with what `describe` says about the state at that moment.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions & { describe?: () => Promise<string> | string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(options.intervalMs ?? 250, Math.max(0, deadline - Date.now())));
  }
  let state = '';
  if (options.describe) {
    try {
      state = `; state: ${await options.describe()}`;
    } catch (error) {
      state = `; (describe failed: ${(error as Error).message})`;
    }
  }
  const cause = lastError ? `; last error: ${(lastError as Error).message ?? String(lastError)}` : '';
  throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${options.what}${cause}${state}`);
}

/** Runs `fn` over `items` with at most `limit` calls in flight; resolves with the results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
