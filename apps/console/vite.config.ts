import { fileURLToPath, URL } from 'node:url'
import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

const outDir = 'dist'

// The Go binary embeds dist/ with `//go:embed all:dist`, which fails on an empty directory.
// Vite empties dist/ before each build (so stale hashed assets do not pile up in the binary);
// this plugin puts the committed placeholder back afterwards.
function keepDistPlaceholder(): Plugin {
  return {
    name: 'sunshine:keep-dist-placeholder',
    apply: 'build',
    closeBundle() {
      const dir = resolve(fileURLToPath(new URL('.', import.meta.url)), outDir)
      mkdirSync(dir, { recursive: true })
      writeFileSync(resolve(dir, '.keep'), '')
    },
  }
}

// The Go api server during development; override with SUNSHINE_DEV_API.
const apiTarget = process.env.SUNSHINE_DEV_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus on demand: components used in templates and ElMessage/ElMessageBox in scripts
    // are imported (with their CSS) only where they are used.
    AutoImport({
      resolvers: [ElementPlusResolver()],
      dts: 'src/auto-imports.d.ts',
    }),
    Components({
      resolvers: [ElementPlusResolver()],
      dts: 'src/components.d.ts',
      // Our own components are imported explicitly.
      dirs: [],
    }),
    keepDistPlaceholder(),
  ],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  define: {
    // vue-i18n: composition API only, no devtools hooks in production.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/healthz': { target: apiTarget },
      '/readyz': { target: apiTarget },
    },
  },
  build: {
    outDir,
    emptyOutDir: true,
    // Government desktops often run Chromium-based browsers a few years old (360, QQ, Win7's
    // last Chrome 109): keep the syntax they understand (Vite 5's former default).
    target: ['chrome87', 'edge88', 'firefox78', 'safari14'],
    // Element Plus's shared runtime is large by nature; the chunks that matter are reported by the build.
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        // Element Plus components are left to automatic splitting, so each route loads only the
        // components it renders. Those shared chunks would be named after Element Plus's
        // style entry module ("css-…js"), which reads like a stylesheet: name them "el-…" instead.
        chunkFileNames: (chunk) => (chunk.name === 'css' ? 'assets/el-[hash].js' : 'assets/[name]-[hash].js'),
        assetFileNames: (asset) =>
          asset.names[0]?.startsWith('css') ? 'assets/el-[hash][extname]' : 'assets/[name]-[hash][extname]',
        codeSplitting: {
          groups: [
            // The framework changes rarely: one long-cached chunk shared by every route.
            { name: 'vendor-vue', test: /node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/, priority: 20 },
            { name: 'vendor-echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
})
