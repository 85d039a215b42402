// Cold start: the layered layout (function bundle + @ecs-sd/core from /opt/nodejs/node_modules via NODE_PATH)
// against one self-contained bundle, measured as the time for a fresh node process to load the handler module.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, cpSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const print = (line: string) => process.stdout.write(`${line}\n`);
const RUNS = 15;

function measure(script: string, env: NodeJS.ProcessEnv, cwd: string): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = spawnSync(process.execPath, ['-e', script], { cwd, env: { ...env }, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(out.stderr);
    times.push(Number(out.stdout.trim()));
  }
  return times.sort((a, b) => a - b);
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)];

describe('cold start', () => {
  it('layered vs single bundle', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ecs-sd-cold-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', join(work, 'dist')], { stdio: 'ignore' });
    const opt = join(work, 'opt', 'nodejs', 'node_modules');
    mkdirSync(opt, { recursive: true });
    cpSync(join(work, 'dist', 'SharedLayer', 'nodejs', 'node_modules'), opt, { recursive: true });
    // The single-bundle variant: the same entry point with nothing external.
    const { build } = await import('esbuild');
    const single = join(work, 'single', 'index.js');
    await build({
      entryPoints: [join(ROOT, 'functions/task-registrar/index.ts')],
      bundle: true, platform: 'node', target: 'es2022', format: 'cjs', minify: true, sourcemap: true, outfile: single,
      alias: { '@ecs-sd/core': join(ROOT, 'layers/core/src/index.ts') },
    });
    const env = {
      PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y',
      STATE_TABLE_NAME: 't', HOSTED_ZONE_ID: 'Z1', ZONE_NAME: 'svc.internal', POWERTOOLS_METRICS_DISABLED: 'true',
    };
    const loader = (file: string) =>
      `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    writeFileSync(join(work, 'package.json'), '{}');
    const layered = measure(loader(join(work, 'dist', 'TaskRegistrarFunction', 'index.js')), { ...env, NODE_PATH: opt }, work);
    const bundled = measure(loader(single), env, work);
    const sizeOf = (f: string) => (statSync(f).size / 1024).toFixed(0);
    print(`task registrar load time, median of ${RUNS} fresh processes (Node ${process.version}):`);
    print(`  layered (function ${sizeOf(join(work, 'dist', 'TaskRegistrarFunction', 'index.js'))} KiB + layer ${sizeOf(join(opt, '@ecs-sd', 'core', 'index.js'))} KiB): ${median(layered).toFixed(1)} ms (min ${layered[0].toFixed(1)})`);
    print(`  single bundle (${sizeOf(single)} KiB): ${median(bundled).toFixed(1)} ms (min ${bundled[0].toFixed(1)})`);
    print(`  layered / single: ${((median(layered) / median(bundled) - 1) * 100).toFixed(1)}%`);
    expect(layered.length).toBe(RUNS);
  });
});
