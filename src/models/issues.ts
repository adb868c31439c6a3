import type { z } from 'zod';

/** Renders a path as people read it: `[2].attention.windowTokens`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

/** One clause per problem, each naming the path of the bad field; `prefix` says which document it was. */
export function formatIssues(prefix: string, error: z.ZodError): string {
  const clauses = error.issues.map((issue) => {
    // zod reports unknown keys on the parent object; name each key instead, as the field people must remove.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field`).join('; ');
    }
    const where = issue.path.length === 0 ? '(top level)' : formatPath(issue.path);
    return `${where}: ${issue.message}`;
  });
  return `${prefix}: ${clauses.join('; ')}`;
}
