import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The package version, read from package.json (two levels up from dist/sim/, one from sim/). */
export const VERSION: string = (() => {
  for (const path of ['../../package.json', '../package.json']) {
    try {
      return (require(path) as { version: string }).version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
})();
