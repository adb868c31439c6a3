import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { ModelRegistry, parseModelSource } from '../src/models/user.js';
import type { ModelSpec } from '../src/models/spec.js';
import { UsageError } from '../src/usage.js';
import { readFlagFile } from './files.js';

/** The flags that add models beside the catalog (deploy, recommend, models). */
export const modelFlags = {
  'models-file': Flags.string({ summary: 'Extra models: a kinfer models file (YAML/JSON, docs/models.md) or a Hugging Face config.json.' }),
  'hf-config': Flags.string({ summary: "The model's Hugging Face config.json, or the folder that holds it (a downloaded snapshot)." }),
};

export interface ModelSourceFlags {
  readonly 'models-file'?: string | undefined;
  readonly 'hf-config'?: string | undefined;
}

/** The model catalog, with the user's --models-file and --hf-config on top (a config.json describes `modelId`). */
export function loadModels(flags: ModelSourceFlags, modelId?: string): ModelRegistry {
  const extra: ModelSpec[] = [];
  const add = (flag: string, path: string): void => {
    const parsed = parseModelSource(readFlagFile(`${flag} ${path}`, path), path, modelId);
    if (!parsed.ok) throw new UsageError(parsed.error);
    extra.push(...parsed.value);
  };
  if (flags['models-file']) add('--models-file', flags['models-file']);
  const hf = flags['hf-config'];
  if (hf) add('--hf-config', isDirectory(hf) ? join(hf, 'config.json') : hf);
  return new ModelRegistry(extra);
}

/** The flags again, for a command line printed as the next step (` --hf-config PATH`, or ''). */
export function modelSourceArgs(flags: ModelSourceFlags): string {
  return (['models-file', 'hf-config'] as const).map((f) => (flags[f] ? ` --${f} ${flags[f]}` : '')).join('');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A model by id, or a usage error that says how to add one. */
export function requireModel(models: ModelRegistry, id: string): ModelSpec {
  const model = models.get(id);
  if (!model) {
    throw new UsageError(`unknown model "${id}": not in kinfer's catalog (kubectl inference models lists it). ` +
      `Add it with --hf-config PATH (its config.json from huggingface.co/${id}/blob/main/config.json, or a downloaded snapshot folder) ` +
      'or --models-file FILE (docs/models.md)');
  }
  return model;
}
