import { readFileSync } from 'node:fs';
import { ModelRegistry, parseModelsFile } from '../src/models/user.js';
import type { ModelSpec } from '../src/models/spec.js';
import { UsageError } from './base.js';

/** The model catalog, with the user's --models-file on top. */
export function loadModels(file: string | undefined): ModelRegistry {
  if (!file) return new ModelRegistry();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--models-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const parsed = parseModelsFile(text, file);
  if (!parsed.ok) throw new UsageError(parsed.error);
  return new ModelRegistry(parsed.value);
}

/** A model by id, or a usage error listing a few known ones. */
export function requireModel(models: ModelRegistry, id: string): ModelSpec {
  const model = models.get(id);
  if (!model) throw new UsageError(`unknown model "${id}"; known: ${models.list().slice(0, 6).map((m) => m.id).join(', ')}, ...; add models with --models-file`);
  return model;
}
