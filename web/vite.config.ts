import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The services of `aops standalone` (or any A-Ops) for `npm run dev`: the same /api routing as
// conf/nginx/aops-nginx.conf. AOPS_WEB_API points at one address serving /api already (the
// standalone web port), so the dev server forwards everything there.
const api = process.env.AOPS_WEB_API ?? 'http://127.0.0.1:11110'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // Hashed file names under assets/ are cached for a year (immutable) by nginx and standalone.
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    port: 8000,
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
})
