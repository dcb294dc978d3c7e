import { OpenApiJsonSchema } from "@effect/platform"
import { Schema } from "effect"

// The platform reads an absent or empty JSON body as `null`.
const AbsentAsEmpty = Schema.transform(Schema.NullOr(Schema.Unknown), Schema.Unknown, {
  strict: true,
  decode: (body) => body ?? {},
  encode: (body) => body
})

/**
 * A JSON body the caller may leave out: absent or empty, it decodes as `{}` so that the struct's
 * defaults apply. A present body is checked against the struct alone, so a violation names its
 * field (a `NullOr` union would add "Expected null" to every message). The OpenAPI document shows
 * the struct, inlined: neither it nor its fields may carry an identifier (a `$ref` would dangle).
 */
export const optionalBody = <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  Schema.compose(AbsentAsEmpty, schema, { strict: false }).annotations({
    jsonSchema: OpenApiJsonSchema.make(schema),
    description: "Optional: an absent or empty body takes the defaults"
  })

/**
 * For `.annotate(OpenApi.Transform, …)` on an endpoint with an {@link optionalBody}: the generated
 * document always marks a request body required.
 */
export const requestBodyNotRequired = (operation: Record<string, unknown>): Record<string, unknown> => {
  const requestBody = operation["requestBody"]
  return typeof requestBody === "object" && requestBody !== null
    ? { ...operation, requestBody: { ...requestBody, required: false } }
    : operation
}
