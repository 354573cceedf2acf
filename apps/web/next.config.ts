import type { NextConfig } from 'next';

// The portal's pages. The HTTP server (server.ts) serves the APIs and the session proxy itself,
// so nothing server-side (database, auth) is bundled here: pages call tRPC from the browser.
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ['@sluice/contracts'],
  typescript: { ignoreBuildErrors: true }, // `npm run typecheck` checks the whole tree once
  devIndicators: false,
};

export default config;
