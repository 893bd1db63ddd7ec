import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The gateway serves dist/ at `/`; `npm run dev -w @parapet/dashboard` proxies the admin API to a local
// gateway on 8787 for development.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/admin': 'http://127.0.0.1:8787', '/v1': 'http://127.0.0.1:8787' },
  },
});
