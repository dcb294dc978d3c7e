import { Effect, Option, Redacted } from "effect"
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { AppConfig } from "./AppConfig.js"

/**
 * The bearer secret of the authenticated endpoints: `TASK_SECRET`, or when unset a random secret
 * generated at start. A generated secret is logged once, at start, because the operator has no
 * other way to learn it; a configured secret is never logged.
 */

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest()

export class TaskSecret extends Effect.Service<TaskSecret>()("aftertalk/TaskSecret", {
  effect: Effect.gen(function*() {
    const config = yield* AppConfig
    const secret = yield* Option.match(config.taskSecret, {
      onSome: Effect.succeed,
      onNone: () => {
        const generated = randomBytes(32).toString("base64url")
        return Effect.logWarning(
          `TASK_SECRET is not set: this run accepts "Authorization: Bearer ${generated}" (shown once; set TASK_SECRET to choose one)`
        ).pipe(Effect.as(Redacted.make(generated)))
      }
    })
    // Digests have equal length whatever the candidate's length, so timingSafeEqual applies and
    // the comparison reveals neither the secret's content nor its length.
    const expected = digest(Redacted.value(secret))

    /**
     * True when the candidate is the secret, compared in constant time. No span: every
     * authenticated request checks the secret, and a span (with `Effect.fn`'s call site) would
     * cost several times the comparison.
     */
    const verify = (candidate: Redacted.Redacted<string>) =>
      Effect.sync(() => timingSafeEqual(digest(Redacted.value(candidate)), expected))

    return { secret, verify } as const
  }),
  dependencies: [AppConfig.Default]
}) {}
