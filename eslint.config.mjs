// @ts-check
// Lints the runtime (runtime/), which `nest g realtime-eject` copies into apps, with the rules a fresh Nest 11
// app lints its code with, and its Prettier settings (runtime/.prettierrc); the playground's browser script
// with the recommended rules and browser globals. The schematics' own sources are type-checked, not linted
// here; the harness lints the generated code with each host's own linter.
import eslint from '@eslint/js';
import eslintPluginPrettierRecommended from 'eslint-plugin-prettier/recommended';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/*', '!runtime/', '!runtime/**/*.ts', '!runtime/playground/', '!runtime/playground/*.js', 'runtime/playground/assets.ts'],
  },
  {
    files: ['runtime/**/*.ts'],
    extends: [eslint.configs.recommended, ...tseslint.configs.recommendedTypeChecked, eslintPluginPrettierRecommended],
    languageOptions: {
      globals: { ...globals.node },
      sourceType: 'module',
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-floating-promises': 'warn',
      '@typescript-eslint/no-unsafe-argument': 'warn',
    },
  },
  {
    files: ['runtime/playground/*.js'],
    extends: [eslint.configs.recommended, eslintPluginPrettierRecommended],
    languageOptions: { globals: { ...globals.browser, io: 'readonly' }, sourceType: 'script' },
  },
);
