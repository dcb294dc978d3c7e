// `npm run build`: type-checks src/, then bundles src/Main.ts and the modules it uses into
// dist/Main.js (one file: the service starts in about half the CPU time of a tree of modules),
// and copies the dashboard's files beside it.
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { cpSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const dist = join(root, "dist")

execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit"
})

rmSync(dist, { recursive: true, force: true })
await build({
  entryPoints: [join(root, "src", "Main.ts")],
  outfile: join(dist, "Main.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning",
  // Loaded from node_modules at run time: PGlite finds its WebAssembly and data files beside its
  // own modules, the tokenizer's tables load on first use (src/model/Tokens.ts), and the native
  // add-ons are optional.
  external: ["@electric-sql/pglite", "@electric-sql/pglite/*", "@electric-sql/pglite-pgvector", "gpt-tokenizer", "gpt-tokenizer/*", "pg-native", "msgpackr-extract"],
  // Bundled CommonJS packages call require() for node's built-ins.
  banner: { js: "import { createRequire as __aftertalkRequire } from \"node:module\";\nconst require = __aftertalkRequire(import.meta.url);" }
})
cpSync(join(root, "src", "http", "dashboard"), join(dist, "dashboard"), { recursive: true })
