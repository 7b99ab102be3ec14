// @ts-check

/** @type {import('next').NextConfig} */
const nextConfig = {
  // A separate build folder per dev server lets two of them run side by side in one checkout.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  reactStrictMode: true,
  // `npm run typecheck` checks the whole project (server, tests, e2e) in CI; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  // Security headers are set by the custom server for every response, Next's included.
};

export default nextConfig;
