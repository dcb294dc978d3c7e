import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Migrator } from "@effect/sql"
import { SqlClient, SqlSchema } from "@effect/sql"
import { Array as Arr, Effect, Option, Order, Schema } from "effect"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { AppConfig } from "../config/AppConfig.js"

/**
 * Where the numbered, forward-only `NNNN_name.sql` migrations live. Applied migrations are
 * frozen: `0001_schema.sql` included, a file that ran somewhere is never edited again (databases
 * already have it); every change to the schema is a new numbered file, runnable on PostgreSQL 15
 * and on PGlite alike.
 */
export const migrationsDirectory = ((): string => {
  // `sql/` sits at the package's root: two levels up from src/db/, one up from the bundled
  // dist/Main.js. The nearest one upwards is it.
  const here = dirname(fileURLToPath(import.meta.url))
  for (let dir = here; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, "sql", "0001_schema.sql"))) return join(dir, "sql")
  }
  return join(here, "..", "..", "sql")
})()

/** Placeholders a migration may use, filled from configuration (never from user input). */
export interface MigrationVariables {
  readonly embedding_dimensions: number
}

/** Loader for plain `.sql` files: each file runs as one multi-statement script. */
export const sqlFileLoader = (directory: string, variables: MigrationVariables): Migrator.Loader<FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const files = yield* fs.readDirectory(directory)
    return Arr.sort(
      Arr.filterMap(files, (file) =>
        Option.map(Option.fromNullable(/^(\d+)_([^.]+)\.sql$/.exec(file)), ([, id, name]): Migrator.ResolvedMigration => [
          Number(id),
          name ?? file,
          Effect.gen(function*() {
            const text = yield* fs.readFileString(`${directory}/${file}`)
            const script = text.replace(/\{\{(\w+)\}\}/g, (_, key: string) =>
              key in variables ? String(variables[key as keyof MigrationVariables]) : `{{${key}}}`)
            const sql = yield* SqlClient.SqlClient
            return sql.unsafe(script).pipe(Effect.asVoid)
          })
        ])),
      Order.mapInput(Order.number, ([id]: Migrator.ResolvedMigration) => id)
    )
  }).pipe(
    Effect.mapError((cause) => new Migrator.MigrationError({ reason: "import-error", message: `Could not read migrations in ${directory}: ${cause.message}`, cause }))
  )

/**
 * `EMBEDDING_DIMENSIONS` differs from the size of the database's vectors, which was fixed when the
 * database was created: every fact stored would fail, so the service does not start.
 */
export class EmbeddingDimensionsMismatch extends Schema.TaggedError<EmbeddingDimensionsMismatch>()(
  "EmbeddingDimensionsMismatch",
  { configured: Schema.Number, database: Schema.Number }
) {
  override get message() {
    return `EMBEDDING_DIMENSIONS is ${this.configured} but the database's memory_facts.embedding column holds ` +
      `${this.database} dimensions (fixed when the database was created); set EMBEDDING_DIMENSIONS=${this.database} or use a new database`
  }
}

const run = Migrator.make({})
const migrationsTable = "aftertalk_migrations"

/**
 * Applies pending migrations at start. An advisory transaction lock serialises instances that
 * start at once: the second waits, then finds nothing left to apply (Effect's Migrator alone
 * races on creating its own table). Then checks what configuration cannot change: the vector size.
 */
export class Migrations extends Effect.Service<Migrations>()("aftertalk/Migrations", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const config = yield* AppConfig
    const loader = sqlFileLoader(migrationsDirectory, { embedding_dimensions: config.embeddingDimensions })
    const applied = yield* sql.withTransaction(
      Effect.gen(function*() {
        yield* sql`SELECT pg_advisory_xact_lock(hashtext('aftertalk.migrations'))`
        // The Migrator probes for its table with a failing query, which would abort our
        // transaction: create it first, in the Migrator's own shape.
        yield* sql`CREATE TABLE IF NOT EXISTS ${sql(migrationsTable)} (
          migration_id integer primary key,
          created_at timestamp with time zone not null default now(),
          name text not null
        )`
        return yield* run({ loader, table: migrationsTable })
      })
    )
    if (applied.length > 0) {
      yield* Effect.logInfo(`applied migrations ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`)
    }
    // pgvector keeps a vector column's dimensions as its type modifier.
    const column = yield* SqlSchema.single({
      Request: Schema.Void,
      Result: Schema.Struct({ dimensions: Schema.Number }),
      execute: () =>
        sql`SELECT atttypmod AS dimensions FROM pg_attribute
            WHERE attrelid = 'memory_facts'::regclass AND attname = 'embedding'`
    })(undefined).pipe(Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die }))
    if (column.dimensions !== config.embeddingDimensions) {
      return yield* new EmbeddingDimensionsMismatch({ configured: config.embeddingDimensions, database: column.dimensions })
    }
    return { applied } as const
  }).pipe(Effect.provide(NodeFileSystem.layer), Effect.withSpan("Migrations.apply")),
  dependencies: [AppConfig.Default]
}) {}
