import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { openAiError } from "../support/FakeOpenAi.js"
import { startService } from "../support/ServiceProcess.js"
import { databaseAt, executions, fakeOpenAi, playerWithConversation, taskSecret } from "./support.js"
import { SqlClient } from "@effect/sql"

/**
 * A password in OPENAI_BASE_URL and the key fragment OpenAI quotes in its 401 ("Incorrect API key
 * provided: sk-abc***xyz") never reach a log line, a response or last_error, whatever the
 * instance does with them: start, call the model, fail the run, record it.
 */

const urlPassword = "base-url-password-42"
const keyFragment = "abc***xyz"

const lastErrors = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ last_error: string | null }>`SELECT last_error FROM conversations`).pipe(Effect.orDie)

describe.skipIf(!postgresAvailable)("secrets stay out of logs, responses and last_error", () => {
  it.scopedLive("a password in OPENAI_BASE_URL and an upstream key fragment appear nowhere", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const db = yield* databaseAt(url)
      const fake = yield* fakeOpenAi
      const rejection = openAiError(401, {
        code: "invalid_api_key",
        message: `Incorrect API key provided: sk-${keyFragment}. You can find your API key at https://platform.openai.com/account/api-keys.`
      })
      yield* fake.script(...Array.from({ length: 20 }, () => rejection))
      const withPassword = fake.baseUrl.replace("http://", `http://aftertalk:${urlPassword}@`)
      const base = { DATABASE_URL: url, TASK_SECRET: taskSecret, OPENAI_API_KEY: `sk-${keyFragment}`, STALE_AFTER: "1 hour", PIPELINE_TIMEOUT: "5 seconds" }
      const seen: Array<string> = []
      // The two instances side by side (each waits mostly on its own start-up).
      yield* Effect.forEach([["password-url", withPassword], ["plain-url", fake.baseUrl]] as const, ([name, baseUrl]) =>
        Effect.gen(function*() {
          const service = yield* startService(name, { ...base, OPENAI_BASE_URL: baseUrl }, { readyWithin: "90 seconds" })
          const { conversationId } = yield* playerWithConversation(service)
          const run = yield* service.send("POST", `/pipeline/process/${conversationId}`, { secret: taskSecret })
          const status = yield* service.send("GET", `/conversations/${conversationId}`, { secret: taskSecret })
          expect(run.status).toBeGreaterThanOrEqual(200)
          seen.push(run.text, status.text)
          yield* service.stop("SIGTERM")
          seen.push(yield* service.stdout, yield* service.stderr)
        }), { concurrency: 2, discard: true })
      const runs = yield* Effect.provide(executions, db)
      seen.push(...runs.map((r) => r.error ?? ""), ...(yield* Effect.provide(lastErrors, db)).map((r) => r.last_error ?? ""))
      console.log(`secrets: ${seen.length} texts checked (${seen.join("").length} characters), ${runs.length} runs`)

      const everything = seen.join("\n")
      expect(everything).not.toContain(urlPassword)
      expect(everything).not.toContain(keyFragment)
      // The rejection itself is still there for the operator to act on.
      expect(everything).toContain("Incorrect API key provided")
    }), 240_000)
})
