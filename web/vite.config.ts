import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The services of `aops standalone` (or any A-Ops) for `npm run dev`: the same /api routing as
// conf/nginx/aops-nginx.conf. AOPS_WEB_API points at one address serving /api already (the
// standalone web port), so the dev server forwards everything there.
const api = process.env.AOPS_WEB_API ?? 'http://127.0.0.1:11110'

// ECharts modules that the tree and graph pages (fault trees, reports, topology) share and the
// dashboard does not draw: the SVG renderer and the zoomable view. Shared by three pages they
// would join the echarts chunk, which the landing page loads; left out, they go to a chunk of
// those pages.
const ECHARTS_VIEWS =
  /node_modules[\\/](zrender[\\/]lib[\\/]svg[\\/]|echarts[\\/]lib[\\/](renderer[\\/]installSVGRenderer|component[\\/]helper[\\/](RoamController|roamHelper|cursorHelper|interactionMutex)|coord[\\/]View|data[\\/]helper[\\/]linkSeriesData)\.js)/

export default defineConfig({
  plugins: [vue()],
  define: {
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // Hashed file names under assets/ are cached for a year (immutable) by nginx and standalone.
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // Vue, its router, store and i18n: every page needs them and they change only with
            // an upgrade, so a new build of the app's own code leaves this file cached.
            {
              name: 'vue',
              test: /node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/,
            },
            // ECharts' core (what every chart needs, loaded by the dashboard already), kept
            // apart from the chart types only some pages draw.
            {
              name: 'echarts',
              test: (id: string) =>
                /node_modules[\\/](echarts|zrender|tslib)[\\/]/.test(id) && !ECHARTS_VIEWS.test(id),
              minShareCount: 3,
            },
          ],
        },
      },
    },
  },
  server: {
    port: 8000,
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
})
