// @ts-check
import node from '@astrojs/node';
import { defineConfig } from 'astro/config';

// Every page is rendered on request by the Node adapter's standalone server
// (`node dist/server/entry.mjs`, HOST and PORT from the environment).
export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'standalone' }),
});
