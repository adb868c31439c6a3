// ESLint flat config. Besides the usual TypeScript rules it enforces DESIGN.md's dependency direction:
// `src` imports no other top-level folder and no framework; `extender`, `picker`, `plugin`, `sim` import
// `src` and never each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const services = ['extender', 'picker', 'plugin', 'sim'];

/** A rule forbidding imports of the named top-level folders (by relative path) and packages. */
function forbid(folders, packages = []) {
  return {
    'no-restricted-imports': ['error', {
      patterns: [
        ...folders.map((f) => ({
          group: [`**/${f}/**`, `**/${f}`],
          message: `DESIGN.md: this folder must not import ${f}/ (dependency direction).`,
        })),
        ...packages.map((p) => ({
          group: [p, `${p}/**`],
          message: `DESIGN.md: src/ is the pure domain core; ${p} belongs at the edges.`,
        })),
      ],
    }],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/controlplane/**', '.kinfer/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: forbid([...services, 'test', 'bench'], ['express', '@oclif/core', 'ink', 'react', 'prom-client', 'node:fs', 'node:http', 'node:net', 'fs', 'http', 'net']),
  },
  ...services.map((s) => ({
    files: [`${s}/**/*.ts`, `${s}/**/*.tsx`],
    rules: forbid([...services.filter((o) => o !== s), 'test', 'bench']),
  })),
);
