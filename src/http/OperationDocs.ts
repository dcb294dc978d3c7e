import { OpenApi } from "@effect/platform"
import { Context } from "effect"

/**
 * What every operation of the docs page shows: a one-line summary and an example of its
 * answer (and of its request body when it takes one), as `example` of the JSON media types.
 * Use as `.annotateContext(operationDocs({ … }))` on an endpoint; an endpoint that needs its own
 * OpenAPI transform passes it as `transform`, since an endpoint holds one.
 */

type Operation = Record<string, unknown>

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

/** `operation[key].content["application/json"].example = example`, when that media type exists. */
const withExample = (container: unknown, example: unknown): unknown => {
  if (!isRecord(container) || !isRecord(container["content"])) return container
  const json = container["content"]["application/json"]
  if (!isRecord(json)) return container
  return { ...container, content: { ...container["content"], "application/json": { ...json, example } } }
}

export const operationDocs = (options: {
  readonly summary: string
  /** The answer of the first success status, or of the status given in `exampleStatus`. */
  readonly example: unknown
  readonly exampleStatus?: number
  readonly requestExample?: unknown
  readonly transform?: (operation: Operation) => Operation
}) =>
  Context.make(OpenApi.Summary, options.summary).pipe(
    Context.add(OpenApi.Transform, (generated: Operation): Operation => {
      const operation = options.transform === undefined ? generated : options.transform(generated)
      const responses = isRecord(operation["responses"]) ? operation["responses"] : {}
      const status = options.exampleStatus === undefined
        ? Object.keys(responses).find((code) => code.startsWith("2"))
        : String(options.exampleStatus)
      const withResponse = status === undefined
        ? responses
        : { ...responses, [status]: withExample(responses[status], options.example) }
      return {
        ...operation,
        responses: withResponse,
        ...(options.requestExample === undefined || operation["requestBody"] === undefined
          ? {}
          : { requestBody: withExample(operation["requestBody"], options.requestExample) })
      }
    })
  )

const invalidRequestExample = {
  _tag: "InvalidRequest",
  error: "invalid_request",
  message: "Invalid request. content: Expected a string at least 1 character(s) long, actual \"\""
}

/**
 * For the whole document (`.annotate(OpenApi.Transform, …)` on the Api): every 400 is the
 * `InvalidRequest` envelope, since the edge middleware turns the platform's own decode error into
 * it; the generated document would otherwise offer the platform's body as well, which no client
 * ever receives.
 */
export const declareInvalidRequest = (spec: Record<string, unknown>): Record<string, unknown> => {
  const paths = isRecord(spec["paths"]) ? spec["paths"] : {}
  const rewritten = Object.fromEntries(Object.entries(paths).map(([path, operations]) => [
    path,
    isRecord(operations)
      ? Object.fromEntries(Object.entries(operations).map(([method, operation]) => {
        if (!isRecord(operation) || !isRecord(operation["responses"]) || operation["responses"]["400"] === undefined) {
          return [method, operation]
        }
        const badRequest = {
          description: "Malformed JSON, or a value that violates the schema; `message` names the field, `issues` lists each violation",
          content: { "application/json": { schema: { $ref: "#/components/schemas/InvalidRequest" }, example: invalidRequestExample } }
        }
        return [method, { ...operation, responses: { ...operation["responses"], "400": badRequest } }]
      }))
      : operations
  ]))
  const components = isRecord(spec["components"]) ? spec["components"] : {}
  const schemas = isRecord(components["schemas"]) ? components["schemas"] : {}
  const { HttpApiDecodeError: _unused, ...kept } = schemas
  const withoutDecodeError = JSON.stringify(rewritten).includes("#/components/schemas/HttpApiDecodeError") ? schemas : kept
  return { ...spec, paths: rewritten, components: { ...components, schemas: withoutDecodeError } }
}
