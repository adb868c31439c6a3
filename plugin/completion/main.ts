import { COMMANDS } from '../index.js';
import { catalogValues, commandSpecs } from './specs.js';
import { complete, formatCompletion } from './complete.js';

/** The `__complete` answer for the words after `inference` (kubectl_complete-inference and the shell scripts). */
export function answerCompletion(words: readonly string[]): string {
  return formatCompletion(complete(words, commandSpecs(COMMANDS), catalogValues()));
}
