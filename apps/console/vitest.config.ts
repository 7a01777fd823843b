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
    },
  }),
)
