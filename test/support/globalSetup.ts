import { createHash } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import pg from "pg"
import type { TestProject } from "vitest/node"

/**
 * Prepares the real PostgreSQL for the suite: checks the server and pgvector, then builds a
 * migrated template database (named after a hash of the migrations, so a changed migration gets
 * a fresh template). Each test file clones it (`test/support/Db.ts`), which takes milliseconds.
 * Under CI=true a missing server or pgvector fails the whole run instead of skipping.
 */

export const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"

declare module "vitest" {
  export interface ProvidedContext {
    readonly pg: { readonly available: true; readonly adminUrl: string; readonly template: string } | {
      readonly available: false
      readonly reason: string
    }
  }
}

const migrationsDir = join(import.meta.dirname, "..", "..", "sql")

const templateName = () => {
  const hash = createHash("sha256")
  for (const file of readdirSync(migrationsDir).sort()) hash.update(file).update(readFileSync(join(migrationsDir, file)))
  return `aftertalk_template_${hash.digest("hex").slice(0, 12)}`
}

const withClient = async <A>(url: string, f: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  await client.connect()
  try {
    return await f(client)
  } finally {
    await client.end()
  }
}

const databaseUrl = (database: string) => {
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  return url.toString()
}

const prepare = async (): Promise<string> => {
  const template = templateName()
  const exists = await withClient(adminUrl, async (client) => {
    const vector = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    if (vector.rowCount === 0) {
      throw new Error("pgvector is not installed on the PostgreSQL server (run scripts/install-pgvector.sh)")
    }
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [template])
    return (found.rowCount ?? 0) > 0
  })
  if (exists) return template

  const building = `${template}_build_${process.pid}`
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${building}`))
  // The template is migrated by the service's own migration code, in a child process, so that
  // the test suite checks the same path production takes.
  const { execFileSync } = await import("node:child_process")
  execFileSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "migrate.ts")], {
    env: { ...process.env, DATABASE_URL: databaseUrl(building) },
    stdio: "inherit"
  })
  await withClient(adminUrl, async (client) => {
    await client.query(`ALTER DATABASE ${building} RENAME TO ${template}`).catch(async (error: unknown) => {
      // Another run built the same template first: ours is redundant.
      await client.query(`DROP DATABASE IF EXISTS ${building}`)
      const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [template])
      if ((found.rowCount ?? 0) === 0) throw error
    })
    await client.query(`ALTER DATABASE ${template} WITH IS_TEMPLATE true`)
  })
  return template
}

export default async function setup(project: TestProject) {
  try {
    const template = await prepare()
    project.provide("pg", { available: true, adminUrl, template })
  } catch (error) {
    const reason = `PostgreSQL with pgvector is not usable at ${adminUrl}: ${error instanceof Error ? error.message : String(error)}`
    if (process.env.CI === "true") {
      throw new Error(`${reason}\nCI=true: the database tests must run, so the suite fails here.`)
    }
    process.stderr.write(`\n[aftertalk tests] ${reason}\nDatabase tests will be skipped (they fail under CI=true).\n\n`)
    project.provide("pg", { available: false, reason })
  }
}
