// eslint for the host TypeScript/JavaScript. ArkTS (.ets) is checked by the bundled ArkTS linter instead
// (tools/arkts), because no eslint parser understands ArkTS struct/component syntax.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'build/', 'build-*/', 'dist/', '.out/', 'oh_modules/', '**/*.ets',
      'entry/src/main/resources/', 'tools/arkts/sdk/', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable',
        __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
