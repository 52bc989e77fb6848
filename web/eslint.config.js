// ESLint (flat config): Vue 3 + TypeScript recommended rules; formatting is Prettier's alone.
import { globalIgnores } from 'eslint/config'
import { defineConfigWithVueTs, vueTsConfigs } from '@vue/eslint-config-typescript'
import pluginVue from 'eslint-plugin-vue'
import skipFormatting from '@vue/eslint-config-prettier/skip-formatting'

export default defineConfigWithVueTs(
  { name: 'aops/files', files: ['**/*.{ts,mts,vue}'] },
  globalIgnores(['**/dist/**', '**/node_modules/**']),
  pluginVue.configs['flat/recommended'],
  vueTsConfigs.recommendedTypeChecked,
  {
    name: 'aops/rules',
    rules: {
      // Pages are named after their route (LoginPage, AccountPage): one word is never a page.
      'vue/multi-word-component-names': 'off',
      // Every await of an API call is handled: an unhandled promise hides a failed request.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    name: 'aops/config-files',
    files: ['*.config.{js,ts}'],
    extends: [vueTsConfigs.disableTypeChecked],
  },
  skipFormatting,
)
