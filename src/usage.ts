/**
 * An error the user can fix by changing the command line or a flag's file: the CLI exits 2 (as kubectl does for
 * usage errors), a service prints it with its usage and exits 2. The one type for it: every edge imports this.
 */
export class UsageError extends Error {}
