// The real build (scripts/build.mjs, as `npm run build` and `sam build` run it) into a temporary directory, laid out
// as Lambda mounts it: layers under <tmp>/opt, each function under <tmp>/var/task/<id>. Tests then run a function's
// bundle in child Node processes ("Lambda instances") whose only module path is the layer (NODE_PATH), each kept
// warm across invocations, as Lambda keeps a container.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './template';

export interface BuiltFunctions {
  root: string;
  /** what scripts/build.mjs wrote: one folder per function and layer, named by template logical id */
  out: string;
  layerModules: string;
  bundle(functionId: string): string;
  cleanup(): void;
}

export function buildFunctions(): BuiltFunctions {
  const root = mkdtempSync(join(tmpdir(), 'ecs-sd-built-'));
  const out = join(root, 'build');
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--outdir', out], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (build.status !== 0) throw new Error(`npm run build failed (${build.status}):\n${build.stdout}\n${build.stderr}`);
  cpSync(join(out, 'SharedLayer'), join(root, 'opt'), { recursive: true });
  return {
    root,
    out,
    layerModules: join(root, 'opt', 'nodejs', 'node_modules'),
    bundle: (id) => join(out, id, 'index.js'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Runs in the child: loads the bundle once, then invokes its handler for every event the parent sends. */
const WORKER = `
'use strict';
// Count the registrar's "Task state changed" lines that touched a name (and keep the output quiet).
let changed = 0;
process.stdout.write = (chunk) => {
  for (const line of String(chunk).split('\\n')) {
    if (line.includes('"Task state changed"') && !line.includes('"serviceNames":[]')) changed++;
  }
  return true;
};
process.stderr.write = () => true;
const mod = require(process.argv[2]);
process.on('message', async ({ id, event, remainingMs }) => {
  changed = 0;
  const deadline = Date.now() + remainingMs;
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: '512',
    awsRequestId: 'req-' + id,
    logGroupName: '/aws/lambda/test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {}, fail() {}, succeed() {},
  };
  try {
    const result = await mod.handler(event, context);
    process.send({ id, result, changed });
  } catch (error) {
    process.send({ id, error: String((error && error.stack) || error), changed });
  }
});
process.send({ ready: true });
`;

export interface LambdaInstance {
  invoke(event: unknown, remainingMs?: number): Promise<{ result?: unknown; error?: string; changed: number }>;
  close(): void;
}

/** Starts one warm "Lambda instance" of a built function with `env` (plus the layer on NODE_PATH). */
export async function startInstance(
  built: BuiltFunctions,
  functionId: string,
  env: Record<string, string>,
): Promise<LambdaInstance> {
  const script = join(built.root, 'worker.js');
  writeFileSync(script, WORKER);
  const child: ChildProcess = fork(script, [built.bundle(functionId)], {
    cwd: built.root,
    env: { ...env, NODE_PATH: built.layerModules, AWS_LAMBDA_FUNCTION_NAME: functionId },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const pending = new Map<number, (reply: { result?: unknown; error?: string; changed: number }) => void>();
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`instance exited (${code}) before it was ready`)));
    child.on('message', (message: { ready?: boolean; id?: number }) => {
      if (message.ready) resolve();
      else if (message.id !== undefined) pending.get(message.id)?.(message as never);
    });
  });
  let next = 0;
  return {
    invoke(event, remainingMs = 60_000) {
      const id = next++;
      return new Promise((resolve) => {
        pending.set(id, (reply) => {
          pending.delete(id);
          resolve(reply);
        });
        child.send({ id, event, remainingMs });
      });
    },
    close() {
      child.kill();
    },
  };
}
