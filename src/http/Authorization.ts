import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import { TaskSecret } from "../config/TaskSecret.js"
import { Unauthorized } from "./Errors.js"

/**
 * `Authorization: Bearer <TASK_SECRET>`, required by every group that lists this middleware.
 * The comparison is constant-time (`TaskSecret.verify`); the secret never reaches a log.
 */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("aftertalk/Authorization", {
  failure: Unauthorized,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

export const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.gen(function*() {
    const taskSecret = yield* TaskSecret
    return Authorization.of({
      bearer: (token) =>
        Effect.gen(function*() {
          // HttpApiSecurity.bearer yields "" when the header is absent.
          if (Redacted.value(token).length === 0) {
            return yield* new Unauthorized({ message: "Send the header \"Authorization: Bearer <TASK_SECRET>\"." })
          }
          if (!(yield* taskSecret.verify(token))) {
            return yield* new Unauthorized({
              message: "The bearer secret is wrong: send the TASK_SECRET this service was started with."
            })
          }
        })
    })
  })
)
