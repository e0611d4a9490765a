// ESLint with typescript-eslint's type-checked recommended rules over everything the project compiles
// (tsconfig.json "include"). `npm run lint` runs it; .ci/run fails on any finding.
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.stepwright/**', 'coverage/**', '**/*.js', '**/*.d.ts'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      // `_name` marks a parameter or binding that is there on purpose (an interface's shape, a rest split)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Tests and benchmarks read JSON they did not type (CDK templates, HTTP answers, history events) and
    // assert on its shape: `any` is the honest type there, and the assertion is the check.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // jest mocks and task stand-ins are async to match the interfaces they stand in for
      '@typescript-eslint/require-await': 'off',
    },
  },
);
