import type { Command } from '@oclif/core';
import { ACCELERATORS } from '../../src/accelerators/catalog.js';
import { MODELS } from '../../src/models/catalog.js';
import type { CommandSpec, DynamicValues, FlagSpec } from './complete.js';

type CommandClass = Pick<typeof Command, 'summary' | 'flags' | 'baseFlags' | 'args' | 'hidden'>;

interface OclifFlag {
  readonly type: 'boolean' | 'option';
  readonly char?: string;
  readonly options?: readonly string[];
  readonly summary?: string;
  readonly multiple?: boolean;
  readonly hidden?: boolean;
}

/** Completion's view of oclif's command classes (static flags, base flags and args). */
export function commandSpecs(commands: Readonly<Record<string, CommandClass>>): CommandSpec[] {
  return Object.entries(commands).filter(([, c]) => !c.hidden).map(([id, c]) => ({
    id,
    summary: c.summary ?? '',
    flags: Object.entries({ ...c.baseFlags, ...c.flags } as Record<string, OclifFlag>).filter(([, f]) => !f.hidden).map(([name, f]): FlagSpec => ({
      name, char: f.char, takesValue: f.type === 'option', options: f.options, summary: f.summary, multiple: f.multiple,
    })),
    args: Object.entries(c.args ?? {}).map(([name, a]) => ({ name, description: a.description })),
  }));
}

/** The values completion offers without asking a cluster: the model catalog and the accelerator types. */
export function catalogValues(): DynamicValues {
  const models = MODELS.map((m) => ({ value: m.id }));
  const accelerators = ACCELERATORS.map((a) => ({ value: a.name }));
  return { model: models, accelerator: accelerators };
}
