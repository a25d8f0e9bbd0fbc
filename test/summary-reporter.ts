/**
 * Prints one plain closing line, `<label>: N passed, N failed, N skipped`, after vitest's own
 * report: a form CI tools read regardless of the runner. The line before it names the Node.js
 * that ran the tests, since the project brings its own (see README, Runtime).
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class PlainSummaryReporter implements Reporter {
  private readonly label: string;

  /** vitest passes the options given beside the reporter in the config. */
  constructor(options: { label?: string } = {}) {
    this.label = options.label ?? 'tests';
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && module.children.size === 0) failed++;
    }
    process.stdout.write(`\n${this.label}: ran on Node.js ${process.version}`);
    process.stdout.write(`\n${this.label}: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
