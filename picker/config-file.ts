import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../src/log.js';
import { KINFER_CONFIG_YAML, parsePickerConfig } from '../src/routing/config.js';
import { RoutingScheduler } from '../src/routing/scheduler.js';
import { UsageError } from '../src/usage.js';
import type { PickerMetrics } from './metrics.js';
import type { Router } from './router.js';

// The picker's EndpointPickerConfig file: read and validated at start (a bad file is a usage error), then
// watched, so an edit or a ConfigMap update takes effect without a restart; a bad edit keeps the running config.

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The routing run loop of `file`, or of kinfer's built-in config when no --config was given. */
export function loadConfig(file: string | undefined): RoutingScheduler {
  const text = file === undefined ? KINFER_CONFIG_YAML : readText(file);
  const parsed = parsePickerConfig(text);
  if (!parsed.ok) throw new UsageError(`${file ?? 'built-in config'}: ${parsed.error}`);
  return new RoutingScheduler(parsed.value);
}

/** Reloads `file` into `router` whenever it changes; returns the function that stops watching. */
export function watchConfig(file: string, router: Router, metrics: PickerMetrics, log: Logger): () => void {
  // Polling follows the path, so a ConfigMap's symlink swap is seen too (the reference picker needs a restart).
  watchFile(file, { interval: 1000 }, () => {
    try {
      router.use(loadConfig(file));
      metrics.configReloads.inc({ result: 'ok' });
      log.info('config reloaded', { file });
    } catch (error) {
      metrics.configReloads.inc({ result: 'invalid' });
      log.error('config not reloaded; keeping the running one', { file, error: (error as Error).message });
    }
  });
  return () => unwatchFile(file);
}
