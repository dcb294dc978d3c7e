import type { Reporter, TestModule } from "vitest/node"

/**
 * Prints, after vitest's own summary, one line per project (files, tests, and the summed time
 * spent importing and running its files, which is where a slow suite shows its cost), then one
 * plain closing line, `vitest: N passed, N failed, N skipped`, so that CI logs read the same
 * whatever test runner they come from.
 */

interface ProjectFigures {
  files: number
  tests: number
  collectMs: number
  runMs: number
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    let passed = 0
    let failed = 0
    let skipped = 0
    const projects = new Map<string, ProjectFigures>()
    for (const module of testModules) {
      const name = module.project.name || "default"
      const figures = projects.get(name) ?? { files: 0, tests: 0, collectMs: 0, runMs: 0 }
      const diagnostic = module.diagnostic()
      figures.files++
      figures.collectMs += diagnostic.collectDuration
      figures.runMs += diagnostic.duration
      for (const test of module.children.allTests()) {
        figures.tests++
        const state = test.result().state
        if (state === "passed") passed++
        else if (state === "failed") failed++
        else skipped++
      }
      if (module.state() === "failed" && !module.children.size) failed++
      projects.set(name, figures)
    }
    const lines = [...projects].map(([name, f]) =>
      `vitest project ${name}: ${f.files} files, ${f.tests} tests, import ${seconds(f.collectMs)}, run ${seconds(f.runMs)} (summed over files)\n`
    )
    // Written at exit so that the closing line is the last one, after vitest's own summary.
    process.once("exit", () => {
      for (const line of lines) process.stdout.write(line)
      process.stdout.write(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
    })
  }
}
