import { ModelRegistry, parseModelsFile } from '../src/models/user.js';
import type { ModelSpec } from '../src/models/spec.js';
import { UsageError } from './base.js';
import { readFlagFile } from './files.js';

/** The model catalog, with the user's --models-file on top. */
export function loadModels(file: string | undefined): ModelRegistry {
  if (!file) return new ModelRegistry();
  const parsed = parseModelsFile(readFlagFile(`--models-file ${file}`, file), file);
  if (!parsed.ok) throw new UsageError(parsed.error);
  return new ModelRegistry(parsed.value);
}

/** A model by id, or a usage error listing a few known ones. */
export function requireModel(models: ModelRegistry, id: string): ModelSpec {
  const model = models.get(id);
  if (!model) throw new UsageError(`unknown model "${id}"; known: ${models.list().slice(0, 6).map((m) => m.id).join(', ')}, ...; add models with --models-file`);
  return model;
}
