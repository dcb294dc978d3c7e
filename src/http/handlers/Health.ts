import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { HealthService } from "../../runs/Health.js"
import { Api } from "../Api.js"
import { Unhealthy } from "../groups/Health.js"

export const HealthLive = HttpApiBuilder.group(Api, "health", (handlers) =>
  Effect.gen(function*() {
    const health = yield* HealthService
    return handlers.handle("getHealth", () =>
      Effect.gen(function*() {
        const report = yield* health.check()
        if (report.status === "unhealthy") {
          return yield* new Unhealthy({
            ...report,
            message: "The database is unreachable; the service cannot store or process conversations."
          })
        }
        return report
      }))
  }))
