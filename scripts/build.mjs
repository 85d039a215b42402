#!/usr/bin/env node
// `npm run build`: builds every function and layer of template.yaml the way `sam build` would, without the SAM CLI.
//
// - AWS::Serverless::Function with `Metadata.BuildMethod: esbuild`: bundled with esbuild's JS API from exactly the
//   template's BuildProperties (SAM's names and defaults: bundle, platform node, target es2020, format cjs, minify
//   unless Minify is false) into <outdir>/<LogicalId>/ (so EntryPoints [functions/x/index.ts] -> index.js).
// - AWS::Serverless::LayerVersion with `Metadata.BuildMethod: makefile`: `make build-<LogicalId>` run in the layer's
//   ContentUri with ARTIFACTS_DIR=<outdir>/<LogicalId>, as SAM does (the root Makefile calls
//   scripts/build-layer.mjs).
// Anything else (another BuildMethod, an unknown BuildProperty, a missing entry point or handler file) fails the
// build: a template this script cannot reproduce is a template `sam build` would build differently.
//
// Usage: node scripts/build.mjs [--outdir <dir>]   (default: dist)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes } from './build-layer.mjs';
import { ROOT, loadTemplate, resourcesOfType } from './template.mjs';

/** BuildProperties that SAM's esbuild workflow understands, with how each maps onto esbuild's JS API. */
const LIST = Symbol('list');
const PROPERTIES = {
  EntryPoints: LIST,
  External: LIST,
  Loader: LIST,
  OutExtension: LIST,
  Banner: LIST,
  Minify: 'boolean',
  Sourcemap: 'boolean',
  SourcesContent: 'boolean',
  Target: 'string',
  Format: 'string',
  MainFields: 'string',
  // SAM always bundles with --platform=node; Platform is accepted only as documentation of that.
  Platform: 'string',
};

function fail(message) {
  throw new Error(message);
}

/** "k=v" list items (SAM's --loader:.x=y, --banner:js=..., --out-extension:.js=.mjs) -> { k: v } */
function keyValues(logicalId, name, items) {
  return Object.fromEntries(
    items.map((item) => {
      const at = String(item).indexOf('=');
      if (at <= 0) fail(`${logicalId}: BuildProperties.${name} item "${item}" is not of the form key=value`);
      return [String(item).slice(0, at), String(item).slice(at + 1)];
    }),
  );
}

function asBoolean(value) {
  return value === true || value === 'true';
}

/** The esbuild options `sam build` would use for one function. */
export function esbuildOptionsFor(logicalId, resource, globals, outDir) {
  const props = resource.Metadata?.BuildProperties ?? fail(`${logicalId}: Metadata.BuildProperties is missing`);
  for (const [name, value] of Object.entries(props)) {
    const kind = PROPERTIES[name] ?? fail(`${logicalId}: BuildProperties.${name} is not supported by SAM's esbuild build`);
    if (kind === LIST && !Array.isArray(value)) {
      fail(`${logicalId}: BuildProperties.${name} must be a YAML list (SAM turns each item into --flag:item)`);
    }
  }
  const codeUri = resource.Properties?.CodeUri;
  if (typeof codeUri !== 'string') fail(`${logicalId}: CodeUri must be a local path for an esbuild build`);
  const workingDir = resolve(ROOT, codeUri);

  const entryPoints = props.EntryPoints ?? fail(`${logicalId}: BuildProperties.EntryPoints is missing`);
  if (entryPoints.length === 0) fail(`${logicalId}: BuildProperties.EntryPoints is empty`);
  for (const entry of entryPoints) {
    if (!existsSync(join(workingDir, entry))) fail(`${logicalId}: entry point ${entry} does not exist in ${codeUri}`);
  }
  if (props.Platform !== undefined && props.Platform !== 'node') {
    fail(`${logicalId}: BuildProperties.Platform must be node (SAM always bundles for node)`);
  }

  // SAM turns on source maps when the function's NODE_OPTIONS has --enable-source-maps and Sourcemap is unset.
  const nodeOptions =
    resource.Properties?.Environment?.Variables?.NODE_OPTIONS ?? globals?.Environment?.Variables?.NODE_OPTIONS ?? '';
  const sourcemap =
    props.Sourcemap === undefined ? String(nodeOptions).includes('--enable-source-maps') : asBoolean(props.Sourcemap);

  const options = {
    absWorkingDir: workingDir,
    entryPoints,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: props.Target ?? 'es2020',
    format: props.Format ?? 'cjs',
    minify: props.Minify === undefined ? true : asBoolean(props.Minify),
    sourcemap,
    external: props.External ?? [],
    metafile: true,
    logLevel: 'silent',
  };
  if (props.SourcesContent !== undefined) options.sourcesContent = asBoolean(props.SourcesContent);
  if (props.MainFields !== undefined) options.mainFields = String(props.MainFields).split(',').map((s) => s.trim());
  if (props.Loader) options.loader = keyValues(logicalId, 'Loader', props.Loader);
  if (props.OutExtension) options.outExtension = keyValues(logicalId, 'OutExtension', props.OutExtension);
  if (props.Banner) options.banner = keyValues(logicalId, 'Banner', props.Banner);
  return options;
}

async function buildFunction(logicalId, resource, globals, outRoot) {
  const outDir = join(outRoot, logicalId);
  rmSync(outDir, { recursive: true, force: true });
  const result = await build(esbuildOptionsFor(logicalId, resource, globals, outDir));
  if (result.warnings.length > 0) {
    fail(`${logicalId}: esbuild warnings:\n${result.warnings.map((w) => `  ${w.text}`).join('\n')}`);
  }
  const handler = resource.Properties?.Handler ?? globals?.Handler;
  const handlerFile = String(handler ?? '').replace(/\.[^.]+$/, '');
  const extensions = ['.js', '.cjs', '.mjs'];
  if (!handler || !extensions.some((ext) => existsSync(join(outDir, handlerFile + ext)))) {
    fail(`${logicalId}: Handler ${handler} has no file ${handlerFile}.js in the bundle (check EntryPoints)`);
  }
  return outDir;
}

function buildLayer(logicalId, resource, outRoot) {
  const contentUri = resource.Properties?.ContentUri;
  if (typeof contentUri !== 'string') fail(`${logicalId}: ContentUri must be a local path for a makefile build`);
  const sourceDir = resolve(ROOT, contentUri);
  if (!existsSync(join(sourceDir, 'Makefile'))) fail(`${logicalId}: no Makefile in ContentUri ${contentUri}`);
  const outDir = join(outRoot, logicalId);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const make = spawnSync('make', ['--no-print-directory', `build-${logicalId}`], {
    cwd: sourceDir,
    env: { ...process.env, ARTIFACTS_DIR: outDir },
    stdio: 'inherit',
  });
  if (make.error) fail(`${logicalId}: could not run make (${make.error.message}); install GNU make`);
  if (make.status !== 0) fail(`${logicalId}: make build-${logicalId} exited with ${make.status ?? make.signal}`);
  return outDir;
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function printSizes(logicalId, dir) {
  const files = listFiles(dir).map((path) => ({ path, bytes: statSync(path).size }));
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  console.log(`${logicalId}  ${formatBytes(total)}`);
  for (const { path, bytes } of files) console.log(`  ${formatBytes(bytes).padStart(10)}  ${path}`);
}

export async function buildAll(outRoot = join(ROOT, 'dist')) {
  const template = loadTemplate();
  const globals = template.Globals?.Function;
  const built = [];

  // Layers first: functions resolve the layer only at run time, but a broken layer should stop the build early.
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Serverless::LayerVersion')) {
    const method = resource.Metadata?.BuildMethod;
    if (method !== 'makefile') fail(`${logicalId}: layer BuildMethod ${method ?? '(none)'} is not supported here`);
    built.push([logicalId, buildLayer(logicalId, resource, outRoot)]);
  }
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const method = resource.Metadata?.BuildMethod;
    if (method !== 'esbuild') fail(`${logicalId}: function BuildMethod ${method ?? '(none)'} is not supported here`);
    built.push([logicalId, await buildFunction(logicalId, resource, globals, outRoot)]);
  }
  if (built.length === 0) fail('template.yaml has no function or layer to build');
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(ROOT, 'scripts', 'build.mjs')) {
  try {
    const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
    const outRoot = resolve(values.outdir ?? join(ROOT, 'dist'));
    const started = Date.now();
    const built = await buildAll(outRoot);
    for (const [logicalId, dir] of built) printSizes(logicalId, dir);
    console.log(`built ${built.length} artifact(s) into ${outRoot} in ${Date.now() - started} ms`);
  } catch (error) {
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
