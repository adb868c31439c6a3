import { readFileSync } from 'node:fs';
import { UsageError } from '../src/usage.js';

/** A file a flag names, as text; a usage error that says which flag and why (ENOENT, EACCES, ...) otherwise. */
export function readFlagFile(what: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
