#!/usr/bin/env node
// Builds the SharedLayer: ONE esbuild bundle of the @ecs-sd/core package (layers/core/src/index.ts) together with
// everything it imports (AWS SDK v3 clients, Powertools, zod, ...), laid out as Lambda expects a Node.js layer:
//
//   <outDir>/nodejs/node_modules/@ecs-sd/core/index.js      (+ index.js.map)
//   <outDir>/nodejs/node_modules/@ecs-sd/core/package.json  {"name":"@ecs-sd/core","main":"index.js"}
//
// Lambda mounts the layer at /opt and puts /opt/nodejs/node_modules on NODE_PATH, so the functions' bundles
// (which mark @ecs-sd/core external) find it with a plain require("@ecs-sd/core").
//
// Usage: node scripts/build-layer.mjs <outDir>
//   - `sam build` calls it through the root Makefile (`make build-SharedLayer`, outDir = $(ARTIFACTS_DIR));
//   - `npm run build` (scripts/build.mjs) calls the same Makefile target with outDir = dist/SharedLayer.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LAYER_PACKAGE = '@ecs-sd/core';
export const LAYER_ENTRY = join(ROOT, 'layers', 'core', 'src', 'index.ts');

/**
 * Bundles the layer into outDir. Resolves with the written files and their sizes; rejects on any esbuild error or
 * warning (a warning in a bundle this size usually means a broken import that would only fail at run time).
 */
export async function buildLayer(outDir, { entry = LAYER_ENTRY } = {}) {
  if (!outDir) throw new Error('usage: node scripts/build-layer.mjs <outDir>');
  if (!existsSync(entry)) throw new Error(`layer entry point not found: ${entry}`);

  const packageDir = join(resolve(outDir), 'nodejs', 'node_modules', ...LAYER_PACKAGE.split('/'));
  rmSync(packageDir, { recursive: true, force: true });
  mkdirSync(packageDir, { recursive: true });

  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: join(packageDir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: ['node22', 'es2022'],
    minify: true,
    // Classes and functions keep their names (logged errors, constructor.name) despite minification; measured
    // load-time cost is within noise.
    keepNames: true,
    sourcemap: true,
    // Stack traces only need the mappings; the sources would multiply the layer's size.
    sourcesContent: false,
    metafile: true,
    logLevel: 'silent',
  });
  if (result.warnings.length > 0) {
    const text = result.warnings.map((w) => `${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`);
    throw new Error(`esbuild warnings while bundling the layer:\n${text.join('\n')}`);
  }

  const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  writeFileSync(
    join(packageDir, 'package.json'),
    `${JSON.stringify({ name: LAYER_PACKAGE, version: rootPackage.version, main: 'index.js' }, null, 2)}\n`,
  );

  return Object.keys(result.metafile.outputs)
    .concat(relative(ROOT, join(packageDir, 'package.json')))
    .map((file) => {
      const path = resolve(ROOT, file);
      return { path, bytes: statSync(path).size };
    });
}

export function formatBytes(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const files = await buildLayer(process.argv[2]);
    for (const { path, bytes } of files) console.log(`  ${formatBytes(bytes).padStart(10)}  ${path}`);
  } catch (error) {
    console.error(`build-layer failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
