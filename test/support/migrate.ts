// Applies the service's migrations to DATABASE_URL; used to build the tests' template database.
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { DatabaseLive } from "../../src/db/Database.js"
import { Migrations } from "../../src/db/Migrations.js"

NodeRuntime.runMain(
  Migrations.pipe(
    Effect.flatMap(({ applied }) => Effect.logInfo(`template migrated: ${applied.length} migration(s)`)),
    Effect.provide(DatabaseLive)
  )
)
