// cfn-lint (with the SAM translator it depends on) must accept template.yaml with no error and no warning.
// It is a Python tool: when it is missing the test fails and says what to install; it is never skipped.
import { spawnSync } from 'node:child_process';
import { ROOT } from '../support/template';

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
    const run = spawnSync(program, [...args, 'template.yaml'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    if (run.error) throw run.error;
    // Any finding makes cfn-lint exit non-zero; show them all in the failure.
    expect({ status: run.status, output: `${run.stdout}${run.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });
});
