import { HttpApiMiddleware, HttpApiSecurity, HttpServerRequest } from "@effect/platform"
import { Effect, Layer, Option, Redacted, Schema } from "effect"
import { TaskSecret } from "../config/TaskSecret.js"
import { AuthThrottle } from "./AuthThrottle.js"
import { TooManyRequests, Unauthorized } from "./Errors.js"

/**
 * `Authorization: Bearer <TASK_SECRET>`, required by every group that lists this middleware.
 * The scheme must be `Bearer` (any case, RFC 7235), not Basic or another. The comparison is
 * constant-time (`TaskSecret.verify`); the secret never reaches a log. An address that keeps
 * failing is answered 429 for a while (AuthThrottle.ts).
 */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("aftertalk/Authorization", {
  failure: Schema.Union(Unauthorized, TooManyRequests),
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const bearerScheme = /^bearer /i

export const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.gen(function*() {
    const taskSecret = yield* TaskSecret
    const throttle = yield* AuthThrottle
    return Authorization.of({
      bearer: (token) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const address = Option.getOrElse(request.remoteAddress, () => "unknown")
          const wait = yield* throttle.waitFor(address)
          if (wait > 0) {
            return yield* new TooManyRequests({
              message: `Too many requests with a wrong bearer secret from this address; try again in ${wait} s.`,
              retry_after_seconds: wait
            })
          }
          const refuse = (message: string) =>
            Effect.zipRight(throttle.recordFailure(address), new Unauthorized({ message }))
          const header = request.headers["authorization"] ?? ""
          if (header.trim().length === 0 || Redacted.value(token).length === 0) {
            return yield* refuse("Send the header \"Authorization: Bearer <TASK_SECRET>\".")
          }
          if (!bearerScheme.test(header)) {
            return yield* refuse("The Authorization scheme must be Bearer: send \"Authorization: Bearer <TASK_SECRET>\".")
          }
          if (!(yield* taskSecret.verify(token))) {
            return yield* refuse("The bearer secret is wrong: send the TASK_SECRET this service was started with.")
          }
        })
    })
  })
)
