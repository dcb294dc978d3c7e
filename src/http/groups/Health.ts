import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { HealthStatus } from "../../runs/Health.js"
import { StreamStatus } from "../../runs/StreamState.js"
import { Timestamp } from "../Fields.js"
import { operationDocs } from "../OperationDocs.js"
import { healthExample } from "../examples/Pipeline.js"

/** The operators' probe: no auth, 200 while the service can work, 503 when it cannot. */

const healthFields = {
  status: HealthStatus,
  recent_success_rate: Schema.NullOr(Schema.Number.pipe(Schema.between(0, 1))),
  avg_duration_ms: Schema.NullOr(Schema.Number),
  stuck_conversations: Schema.Int,
  queue_depth: Schema.Int,
  oldest_queued_age_seconds: Schema.NullOr(Schema.Number),
  database: Schema.Literal("ok", "down"),
  stream: StreamStatus,
  checked_at: Timestamp
}

export const HealthResponse = Schema.Struct(healthFields).annotations({ identifier: "Health" })

/** The same report with status 503, plus the error envelope's fields. */
export class Unhealthy extends Schema.TaggedError<Unhealthy>()(
  "Unhealthy",
  { ...healthFields, error: Schema.tag("unhealthy"), message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "The database is unreachable" })
) {}

export class HealthApi extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("getHealth", "/pipeline/health")
      .addSuccess(HealthResponse)
      .addError(Unhealthy)
      .annotateContext(operationDocs({ summary: "Pipeline health (no secret)", example: healthExample }))
  )
  .annotate(OpenApi.Description, "Pipeline health for probes and dashboards; needs no secret")
{}
