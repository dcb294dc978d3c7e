import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, posix, relative } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The house rules of README's map, read from the source itself: who may import whom, and which
 * one file writes each table. A new import or a new write that breaks them fails here, naming it.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const src = join(root, "src")

const sourceFiles = (directory: string): ReadonlyArray<string> =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(directory, entry.name))
      : entry.name.endsWith(".ts")
      ? [relative(src, join(directory, entry.name)).split("\\").join("/")]
      : []
  )

const files = sourceFiles(src)
const text = (file: string) => readFileSync(join(src, file), "utf8")

/** The folder a file of src/ belongs to; "" for the composition roots (Main, AppLayer) and bin/. */
const folderOf = (file: string) => (file.includes("/") && !file.startsWith("bin/") ? file.split("/")[0] ?? "" : "")

const importsOf = (file: string) =>
  [...text(file).matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gm)].map((match) => match[1] ?? "")

/** Every import of src/ as `file → target`, the target a src/ path for relative imports, a package otherwise. */
const edges = files.flatMap((file) =>
  importsOf(file).map((target) => ({
    file,
    target: target.startsWith(".") ? posix.normalize(posix.join(posix.dirname(file), target)).replace(/\.js$/, ".ts") : target,
    relative: target.startsWith(".")
  }))
)

const shared = ["game", "db", "config", "model"]
const features = ["player", "conversation", "memory", "nikita", "prompt", "runs"]

/** Where each folder may import from (besides itself and npm packages). */
const allowed: Record<string, ReadonlyArray<string>> = {
  game: [],
  config: [],
  db: ["config"],
  model: ["config", "game"],
  ...Object.fromEntries(features.map((feature) => [feature, shared])),
  pipeline: [...shared, ...features],
  queue: [...shared, ...features, "pipeline"],
  http: [...shared, ...features, "pipeline", "queue"]
}

/**
 * Imports that break the rule today in files another change is rewriting (the queue, the
 * orchestrator and the run bookkeeping): each pair goes once that change lands. Nothing else may
 * be added here.
 */
const pendingQueueRework = new Set([
  "pipeline/PipelineOrchestrator.ts → queue/ConversationLeases.ts",
  "pipeline/PipelineOrchestrator.ts → queue/RetryBackoff.ts"
])

describe("the import rule", () => {
  it("features use only game/, db/, config/, model/ and their own folder; pipeline/ the features; nothing imports http/", () => {
    const broken = edges
      .filter(({ relative }) => relative)
      .filter(({ file, target }) => {
        const from = folderOf(file)
        const to = folderOf(target)
        if (from === "" || to === "" || from === to) return false
        return !(allowed[from] ?? []).includes(to)
      })
      .map(({ file, target }) => `${file} → ${target}`)
      .filter((pair) => !pendingQueueRework.has(pair))
    expect(broken).toEqual([])
  })

  it("every folder of src/ is in the rule", () => {
    const folders = [...new Set(files.map(folderOf))].filter((folder) => folder !== "")
    expect(folders.filter((folder) => !(folder in allowed))).toEqual([])
  })

  it("game/ imports only effect: its rules stay pure", () => {
    const packages = edges.filter(({ file, relative }) => folderOf(file) === "game" && !relative).map(({ target }) => target)
    expect([...new Set(packages)]).toEqual(["effect"])
  })

  it("the allow-list names only imports that still exist", () => {
    const existing = new Set(edges.map(({ file, target }) => `${file} → ${target}`))
    expect([...pendingQueueRework].filter((pair) => !existing.has(pair))).toEqual([])
  })
})

/** The tables the migrations create. */
const tables = readdirSync(join(root, "sql"))
  .filter((name) => name.endsWith(".sql"))
  .flatMap((name) =>
    [...readFileSync(join(root, "sql", name), "utf8").matchAll(/create\s+table\s+(?:if\s+not\s+exists\s+)?(\w+)/gi)]
      .map((match) => (match[1] ?? "").toLowerCase())
  )

/** Code without its comments, so a comment that mentions a statement is not a write. */
const code = (file: string) =>
  text(file)
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "")

/** The tables a file inserts into, updates or deletes from. */
const writtenBy = (file: string) =>
  new Set(
    [...code(file).matchAll(/\b(?:insert\s+into|update|delete\s+from)\s+(\w+)/gi)]
      .map((match) => (match[1] ?? "").toLowerCase())
      .filter((table) => tables.includes(table))
  )

/**
 * Writes still made from the claim and lease code, which the queue rework moves into the owning
 * repositories (composable `sql` fragments): each pair goes once that change lands.
 */
const pendingQueueWrites = new Set([
  "conversations ← queue/ConversationClaims.ts",
  "conversations ← queue/ConversationLeases.ts",
  "users ← queue/ConversationClaims.ts",
  "users ← queue/ConversationLeases.ts",
  "pipeline_executions ← queue/ConversationClaims.ts",
  "pipeline_executions ← queue/ConversationLeases.ts"
])

describe("one owner per table", () => {
  const writers = new Map(tables.map((table) => [table, files.filter((file) => writtenBy(file).has(table))]))

  it("the migrations create the tables this test knows how to find", () => {
    expect(tables).toContain("users")
    expect(tables).toContain("memory_facts")
  })

  it("every table is written from exactly one file of src/", () => {
    const owners = Object.fromEntries(
      [...writers].map(([table, by]) => [table, by.filter((file) => !pendingQueueWrites.has(`${table} ← ${file}`))])
    )
    const notOne = Object.entries(owners).filter(([, by]) => by.length !== 1)
    expect(Object.fromEntries(notOne)).toEqual({})
  })

  it("the players' tables have the player's repository as their writer", () => {
    for (const table of ["users", "user_metrics", "score_history", "conflict_history"]) {
      expect(writers.get(table)?.filter((file) => !file.startsWith("queue/"))).toEqual(["player/UserRepository.ts"])
    }
  })

  it("the allow-list names only writes that still exist", () => {
    const existing = new Set([...writers].flatMap(([table, by]) => by.map((file) => `${table} ← ${file}`)))
    expect([...pendingQueueWrites].filter((pair) => !existing.has(pair))).toEqual([])
  })
})
