import { defineConfig, mergeConfig } from 'vitest/config'
import viteConfig from './vite.config.ts'

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: 'happy-dom',
      include: ['tests/unit/**/*.spec.ts'],
      setupFiles: ['tests/unit/setup.ts'],
      restoreMocks: true,
      unstubGlobals: true,
      // Element Plus ships ESM with CSS side-effect imports; let Vite transform it.
      server: { deps: { inline: ['element-plus'] } },
      css: false,
      // Mounting Element Plus forms takes ~2.5 s per test on a 2-core machine that is
      // also building Go; the default 5 s failed a test there (not the code) while the
      // machine was busy. Assertions wait on events, never on time, so a generous
      // ceiling only stops a hung test.
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  }),
)
