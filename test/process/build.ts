import { Effect } from "effect"
import { execFile } from "node:child_process"
import { join } from "node:path"

/**
 * `npm run build` (tsc with tsconfig.build.json into dist/, plus the dashboard's static files), as
 * `npm ci` runs it through `prepare`. Incremental: when dist/ is current this takes a few seconds.
 */
export const buildOnce = Effect.async<void, Error>((resume) => {
  const root = join(import.meta.dirname, "..", "..")
  execFile(
    "npm",
    ["run", "build"],
    { cwd: root },
    (error, stdout, stderr) => resume(error === null ? Effect.void : Effect.fail(new Error(`build failed: ${stdout}${stderr}`)))
  )
})
