import { JSONSchema, type Schema } from "effect"
import type { ResponseFormatJSONSchema } from "openai/resources/shared"
import { toStrictSchema } from "./StrictSchema.js"

/**
 * Formats made, by schema and name: a schema's JSON Schema is the same on every call, and making
 * the extraction's took about a millisecond of CPU on each run's critical path. Keyed weakly, so a
 * schema made on the fly does not stay alive through this.
 */
const made = new WeakMap<object, Map<string, ResponseFormatJSONSchema>>()

/**
 * The `response_format` asking the model for JSON shaped by `schema`, in strict mode: OpenAI then
 * guarantees the shape, and the bounds the strict subset cannot express (lengths, ranges, item
 * counts) are checked by decoding the answer with the same Effect schema. The `$schema` marker is
 * dropped, being no part of the shape.
 */
export const jsonSchemaResponseFormat = <A, I>(name: string, schema: Schema.Schema<A, I>): ResponseFormatJSONSchema => {
  const byName = made.get(schema) ?? new Map<string, ResponseFormatJSONSchema>()
  made.set(schema, byName)
  const known = byName.get(name)
  if (known !== undefined) return known
  const { $schema: _marker, ...shape } = JSONSchema.make(schema)
  const format: ResponseFormatJSONSchema = { type: "json_schema", json_schema: { name, schema: toStrictSchema(shape), strict: true } }
  byName.set(name, format)
  return format
}
