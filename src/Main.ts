#!/usr/bin/env node
import { ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { runCli } from "./cli/Cli.js"

/**
 * The `aftertalk` command (package.json `bin`; `npm start` is `aftertalk serve`). Without a
 * command it serves, so `node dist/Main.js` and `tsx src/Main.ts` start the service.
 */
const args = process.argv.length > 2 ? process.argv : [...process.argv, "serve"]

runCli(args).pipe(
  // The CLI already printed what was wrong with the command line and its usage.
  Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => {
    process.exitCode = 1
  })),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
