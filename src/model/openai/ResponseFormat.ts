import { JSONSchema, type Schema } from "effect"
import type { ResponseFormatJSONSchema } from "openai/resources/shared"

/**
 * The `response_format` asking the model for JSON shaped by `schema`. Non-strict: OpenAI's strict
 * mode rejects the bounds (minimum, maxLength, minItems…) our schemas carry, and the answer is
 * validated against the same schema anyway. The `$schema` marker is dropped, being no part of
 * the shape.
 */
export const jsonSchemaResponseFormat = <A, I>(name: string, schema: Schema.Schema<A, I>): ResponseFormatJSONSchema => {
  const { $schema: _marker, ...shape } = JSONSchema.make(schema)
  return { type: "json_schema", json_schema: { name, schema: { ...shape }, strict: false } }
}
