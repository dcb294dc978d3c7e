/**
 * OpenAI's strict structured outputs accept a subset of JSON Schema: every object lists all its
 * properties as `required` and sets `additionalProperties: false` (an optional field is a union
 * with `null`), the root is an object, and bounds such as `minLength`, `maxLength`, `minimum`,
 * `maxItems` or `pattern` are rejected or unsupported depending on the model. Our Effect schemas
 * carry those bounds, so the schema sent is the Effect schema's JSON Schema with the bounds
 * stripped (told to the model in the description instead) and the decode keeps checking them.
 */

type Json = unknown
type JsonObject = { readonly [key: string]: unknown }

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Keywords of the strict subset; anything else is a violation. */
const allowedKeywords = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "anyOf",
  "description",
  "$ref",
  "$defs"
])

const allowedTypes = new Set(["string", "number", "integer", "boolean", "object", "array", "null"])

/** Bounds moved into the description, in words the model reads. */
const boundWords: ReadonlyArray<readonly [keyword: string, words: (value: Json) => string]> = [
  ["minLength", (v) => `at least ${String(v)} characters`],
  ["maxLength", (v) => `at most ${String(v)} characters`],
  ["minimum", (v) => `at least ${String(v)}`],
  ["maximum", (v) => `at most ${String(v)}`],
  ["minItems", (v) => `at least ${String(v)} items`],
  ["maxItems", (v) => `at most ${String(v)} items`]
]

/** Nesting limit of the subset. */
export const STRICT_MAX_DEPTH = 10

/** The strict-subset form of a JSON Schema document (see the module doc). */
export const toStrictSchema = (schema: unknown): JsonObject => {
  const convert = (node: Json): Json => {
    if (Array.isArray(node)) return node.map((item: unknown) => convert(item))
    if (!isObject(node)) return node
    const bounds = boundWords.flatMap(([keyword, words]) => (node[keyword] === undefined ? [] : [words(node[keyword])]))
    const description = [typeof node["description"] === "string" ? node["description"] : "", bounds.join(", ")]
      .filter((part) => part !== "")
      .join("; ")
    const out: Record<string, Json> = {}
    for (const [key, value] of Object.entries(node)) {
      if (key === "properties" && isObject(value)) {
        out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, convert(child)]))
      } else if (key === "$defs" && isObject(value)) {
        out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, convert(child)]))
      } else if (allowedKeywords.has(key) && key !== "description") {
        out[key] = key === "items" || key === "anyOf" ? convert(value) : value
      }
    }
    if (description !== "") out["description"] = description
    if (out["type"] === "object" && isObject(out["properties"])) {
      out["required"] = Object.keys(out["properties"])
      out["additionalProperties"] = false
    }
    return out
  }
  const converted = convert(schema)
  return isObject(converted) ? converted : {}
}

/** Every way `schema` leaves the strict subset, as readable paths; empty when it is inside it. */
export const strictSchemaViolations = (schema: Json): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const check = (node: Json, path: string, depth: number): void => {
    if (!isObject(node)) {
      problems.push(`${path}: not a schema object`)
      return
    }
    if (depth > STRICT_MAX_DEPTH) problems.push(`${path}: nested deeper than ${STRICT_MAX_DEPTH}`)
    for (const key of Object.keys(node)) {
      if (!allowedKeywords.has(key) && key !== "title") problems.push(`${path}: unsupported keyword "${key}"`)
    }
    const types = node["type"] === undefined ? [] : Array.isArray(node["type"]) ? node["type"] : [node["type"]]
    for (const type of types) {
      if (typeof type !== "string" || !allowedTypes.has(type)) problems.push(`${path}: unsupported type ${JSON.stringify(type)}`)
    }
    if (node["type"] === undefined && node["anyOf"] === undefined && node["$ref"] === undefined && node["enum"] === undefined && node["const"] === undefined) {
      problems.push(`${path}: no type`)
    }
    if (types.includes("object")) {
      const properties = node["properties"]
      if (!isObject(properties)) problems.push(`${path}: object without properties`)
      if (node["additionalProperties"] !== false) problems.push(`${path}: additionalProperties must be false`)
      const required = Array.isArray(node["required"]) ? node["required"] : []
      if (isObject(properties)) {
        for (const [name, child] of Object.entries(properties)) {
          if (!required.includes(name)) problems.push(`${path}.${name}: not required (use a union with null)`)
          check(child, `${path}.${name}`, depth + 1)
        }
      }
    }
    if (types.includes("array")) {
      if (node["items"] === undefined) problems.push(`${path}: array without items`)
      else check(node["items"], `${path}[]`, depth + 1)
    }
    const anyOf = node["anyOf"]
    if (anyOf !== undefined) {
      if (!Array.isArray(anyOf)) problems.push(`${path}: anyOf is not a list`)
      else anyOf.forEach((member: unknown, index: number) => check(member, `${path}|${index}`, depth + 1))
    }
    const defs = node["$defs"]
    if (isObject(defs)) for (const [name, def] of Object.entries(defs)) check(def, `#/$defs/${name}`, 1)
  }
  if (!isObject(schema) || schema["type"] !== "object") problems.push("$: the root must be an object schema")
  if (isObject(schema) && schema["anyOf"] !== undefined) problems.push("$: the root must not be anyOf")
  check(schema, "$", 1)
  return problems
}
