import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"

/**
 * The process tests run the built service (`node dist/Main.js`, what `npm start` and the container
 * run): one bundled file, which starts in about a third of the CPU time of the sources through
 * tsx. `npm ci` builds dist/ (`prepare`); this builds it again only when a file under src/ is
 * newer than the build, so a local edit is never tested against a stale dist/.
 */

const root = join(import.meta.dirname, "..", "..")

const newestIn = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name)
    return Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs)
  }, 0)

export default function setup() {
  const built = join(root, "dist", "Main.js")
  const fresh = existsSync(built) && statSync(built).mtimeMs >= newestIn(join(root, "src"))
  if (!fresh) execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" })
}
