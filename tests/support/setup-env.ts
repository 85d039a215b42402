// Jest setupFiles entry: runs in every test file before any module under test is loaded.
// Points every AWS SDK client at the shared moto_server and makes sure nothing can reach real AWS.
import { readMotoState } from './moto';

// Without a moto URL (e.g. Jest run without the project's globalSetup) endpoints go to a closed local port,
// so an SDK call fails fast instead of reaching AWS.
const motoUrl = (process.env.MOTO_URL ?? readMotoState()?.url ?? 'http://127.0.0.1:9').replace(/\/+$/, '');

const env = process.env;
env.MOTO_URL = motoUrl;
env.AWS_REGION = 'us-east-1';
env.AWS_DEFAULT_REGION = 'us-east-1';
env.AWS_ACCESS_KEY_ID = 'testing';
env.AWS_SECRET_ACCESS_KEY = 'testing';
for (const name of ['AWS_SDK_LOAD_CONFIG', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE']) delete env[name];
env.AWS_EC2_METADATA_DISABLED = 'true';

// Catch-all for any service not listed below, then the services this project uses (SDK v3 service ids).
env.AWS_ENDPOINT_URL = motoUrl;
for (const service of [
  'ECS',
  'EC2',
  'DYNAMODB',
  'ELASTIC_LOAD_BALANCING',
  'ELASTIC_LOAD_BALANCING_V2',
  'SQS',
  'EVENTBRIDGE',
  'ROUTE_53',
]) {
  env[`AWS_ENDPOINT_URL_${service}`] = motoUrl;
}

// @aws-sdk/core's own switch for "NodeVersionSupportWarning" (emitted once per process on Node < 22).
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

env.POWERTOOLS_DEV = 'false';
env.POWERTOOLS_LOG_LEVEL = env.TEST_LOG_LEVEL || 'SILENT';

// Quiet test output: an EMF line (Powertools Metrics, flushed once per handler invocation) that no test captures is
// dropped. Tests that read metrics capture stdout first (registrar-fixture captureLogs), and see every line.
const writeStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  if (text.startsWith('{"_aws":{"Timestamp":')) return true;
  return writeStdout(chunk, ...(rest as []));
}) as typeof process.stdout.write;
