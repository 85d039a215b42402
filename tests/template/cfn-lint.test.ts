// cfn-lint (with the SAM translator it depends on) must accept template.yaml with no error and no warning, with its
// informational rules (-c I: I3510 statement resources match the actions, I3011 retention of stateful resources,
// I3013 retention periods, I3042 ARN pseudo parameters, ...) and the experimental ones (-e) switched on: cfn-lint
// 1.x has no separate security rule set; its IAM rules (E3510/E3512/E3514/E3530, W3037 ...) are on by default.
// It is a Python tool: when it is missing the test fails and says what to install; it is never skipped.
//
// cfn-lint evaluates every scenario of the template's conditions itself. What it cannot see is what the SAM transform
// resolves from parameter VALUES (e.g. Tracing: !Ref TracingMode, resolved at transform time), so every combination
// of the parameters that change resources is also rendered: the parameter's Default set to the value and its
// AllowedValues narrowed to it, as in a deployment with that value. W1028 ("this Fn::If branch is not reachable") is
// then expected and ignored for the rendered copies only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemplate, ROOT } from '../support/template';

const INSTALL = 'pip install "cfn-lint==1.51.0"';

/** The command that runs cfn-lint here: the `cfn-lint` executable, or `python3 -m cfnlint`. */
function cfnLintCommand(): string[] | undefined {
  const which = spawnSync('which', ['cfn-lint'], { encoding: 'utf8' });
  const executable = which.status === 0 ? which.stdout.trim() : '';
  if (executable && spawnSync(executable, ['--version'], { encoding: 'utf8' }).status === 0) return [executable];
  if (spawnSync('python3', ['-m', 'cfnlint', '--version'], { encoding: 'utf8' }).status === 0) {
    return ['python3', '-m', 'cfnlint'];
  }
  return undefined;
}

describe('cfn-lint', () => {
  it('finds no error and no warning in template.yaml', () => {
    const command = cfnLintCommand();
    if (!command) throw new Error(`cfn-lint is not installed (neither cfn-lint nor python3 -m cfnlint runs): ${INSTALL}`);
    const [program, ...args] = command;
    const run = spawnSync(program, [...args, '-c', 'I', '-e', '--', 'template.yaml'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    if (run.error) throw run.error;
    // Any finding makes cfn-lint exit non-zero; show them all in the failure.
    expect({ status: run.status, output: `${run.stdout}${run.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });

  /** Values that change resources, against the defaults (HostedZoneId '' creates the zone, and needs VpcId). */
  const ALTERNATIVES: Record<string, Record<string, string>> = {
    'existing zone': { HostedZoneId: 'Z0123456789ABCDEFGHIJ' },
    'new private zone': { VpcId: 'vpc-0123456789abcdef0' },
    'clusters in scope': { ClusterArns: 'arn:aws:ecs:us-east-1:123456789012:cluster/demo' },
    'CloudTrail trail': { CreateCloudTrail: 'true' },
    'checker in a VPC': { SubnetIds: 'subnet-0123456789abcdef0', SecurityGroupIds: 'sg-0123456789abcdef0' },
    'no stops': { StopUnhealthyTasks: 'false' },
    'tracing': { TracingMode: 'Active' },
    'alarm email': { AlarmEmail: 'oncall@example.com' },
    'alarm topic': { AlarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:on-call' },
    'owner id': { OwnerId: 'team-a' },
  };
  const COMBINATIONS: [string, Record<string, string>][] = [
    ['defaults', {}],
    ...Object.entries(ALTERNATIVES),
    ['everything but the zone', Object.assign({}, ...Object.values(ALTERNATIVES), { HostedZoneId: '' })],
    ['everything', Object.assign({}, ...Object.values(ALTERNATIVES))],
  ];

  it(`finds no error and no warning in ${COMBINATIONS.length} renderings of the parameter combinations that change resources`, () => {
    const command = cfnLintCommand();
    if (!command) throw new Error(`cfn-lint is not installed (neither cfn-lint nor python3 -m cfnlint runs): ${INSTALL}`);
    const dir = mkdtempSync(join(tmpdir(), 'cfn-combinations-'));
    try {
      const files = COMBINATIONS.map(([name, values]) => {
        const template = loadTemplate();
        for (const [parameter, value] of Object.entries(values)) {
          Object.assign(template.Parameters[parameter], { Default: value, AllowedValues: [value] });
        }
        const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
        writeFileSync(file, JSON.stringify(template, null, 1));
        return file;
      });
      const [program, ...args] = command;
      const run = spawnSync(program, [...args, '-c', 'I', '-e', '--ignore-checks', 'W1028', '--', ...files], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 300_000,
      });
      if (run.error) throw run.error;
      expect({ status: run.status, output: `${run.stdout}${run.stderr}`.trim() }).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
