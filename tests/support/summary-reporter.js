// Jest reporter: ends the run with one machine-readable line, `<passed> passed, <failed> failed`, and writes the
// same line to jest-summary.txt in the repository root.
// Jest always adds its own SummaryReporter after the configured reporters, so the line is printed when the
// process exits (after the summary, globalTeardown and any "force exiting" notice); in watch mode, right after
// each run.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig || {};
    this.rootDir = this.globalConfig.rootDir || process.cwd();
    this.lines = undefined;
    this.exitHookInstalled = false;
  }

  onRunComplete(_testContexts, results) {
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed`;
    const lines = [];
    const broken = results.numRuntimeErrorTestSuites;
    if (broken > 0) lines.push(`${broken} test suite${broken === 1 ? '' : 's'} failed to run`);
    lines.push(line);
    try {
      writeFileSync(join(this.rootDir, 'jest-summary.txt'), `${line}\n`);
    } catch (err) {
      process.stderr.write(`summary-reporter: could not write jest-summary.txt: ${err.message}\n`);
    }
    const text = `${lines.join('\n')}\n`;
    if (this.globalConfig.watch || this.globalConfig.watchAll) {
      setTimeout(() => process.stdout.write(text), 0);
      return;
    }
    this.lines = text;
    if (!this.exitHookInstalled) {
      this.exitHookInstalled = true;
      process.once('exit', () => {
        if (this.lines) process.stdout.write(this.lines);
      });
    }
  }
}

module.exports = SummaryReporter;
