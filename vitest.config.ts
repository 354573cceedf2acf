import { defineConfig } from 'vitest/config';

// Unit and integration tests of every workspace. e2e/ runs under Playwright.
export default defineConfig({
  test: {
    include: ['apps/*/{src,test}/**/*.test.ts', 'packages/*/{src,test}/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
