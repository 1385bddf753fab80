/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // This folder has its own package-lock.json inside the Passki repository, which has another:
  // build from here rather than from the repository root.
  turbopack: { root: import.meta.dirname },
  outputFileTracingRoot: import.meta.dirname,
};

export default nextConfig;
