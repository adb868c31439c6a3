import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SCORER_NAMES, type ScorerName } from '../src/placement/registry.js';
import { err, ok, type Result } from '../src/result.js';

/** The extender's config file (YAML). Strict: an unknown key or a bad value is an error naming its path. */
const configSchema = z.strictObject({
  port: z.number().int().min(1).max(65535).optional(),
  /** Port for /healthz, /readyz and /metrics alone, on every address (kubelet probes, Prometheus). */
  healthPort: z.number().int().min(1).max(65535).optional(),
  /** Largest /filter or /prioritize body, bytes (extender/body.ts DEFAULT_MAX_BODY_BYTES). */
  maxBodyBytes: z.number().int().min(1024).optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  /** Scorer weights; 0 turns a scorer off. Unlisted scorers keep their defaults (src/placement/registry.ts). */
  weights: z.partialRecord(z.enum(SCORER_NAMES), z.number().min(0).max(100)).optional(),
  /** Extra models (YAML/JSON, the schema of src/models/user.ts) added to the built-in catalog. */
  modelsFile: z.string().min(1).optional(),
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1), clientCaFile: z.string().min(1).optional() }).optional(),
});

export type ExtenderConfig = z.infer<typeof configSchema> & { weights?: Partial<Record<ScorerName, number>> };

export function parseConfig(text: string, origin: string): Result<ExtenderConfig> {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    return err(`${origin}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String).join('.') || '(top level)';
  return err(`${origin}: ${path}: ${issue.message}`);
}
