import { JSONSchema, type Schema } from "effect"
import type { ResponseFormatJSONSchema } from "openai/resources/shared"
import { toStrictSchema } from "./StrictSchema.js"

/**
 * The `response_format` asking the model for JSON shaped by `schema`, in strict mode: OpenAI then
 * guarantees the shape, and the bounds the strict subset cannot express (lengths, ranges, item
 * counts) are checked by decoding the answer with the same Effect schema. The `$schema` marker is
 * dropped, being no part of the shape.
 */
export const jsonSchemaResponseFormat = <A, I>(name: string, schema: Schema.Schema<A, I>): ResponseFormatJSONSchema => {
  const { $schema: _marker, ...shape } = JSONSchema.make(schema)
  return { type: "json_schema", json_schema: { name, schema: toStrictSchema(shape), strict: true } }
}
