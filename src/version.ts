import pkg from '../package.json' with { type: 'json' };

/** The package version every binary reports with --version. */
export const VERSION: string = pkg.version;
