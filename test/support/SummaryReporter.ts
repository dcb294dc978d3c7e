import type { Reporter, TestModule } from "vitest/node"

/**
 * Prints one plain closing line, `vitest: N passed, N failed, N skipped`, after vitest's own
 * summary, so that CI logs read the same whatever test runner they come from.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") passed++
        else if (state === "failed") failed++
        else skipped++
      }
      if (module.state() === "failed" && !module.children.size) failed++
    }
    // Written at exit so that it is the last line, after vitest's own summary.
    process.once("exit", () => process.stdout.write(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`))
  }
}
