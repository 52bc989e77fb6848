import { defineConfig, mergeConfig } from 'vitest/config'

import viteConfig from './vite.config.ts'

// Unit tests of pure logic (src/**/*.test.ts): the API client's reading of answers, batch
// outcomes, the menu. Pages are tested in a real browser by tests/web (pytest + Playwright).
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
    },
  }),
)
