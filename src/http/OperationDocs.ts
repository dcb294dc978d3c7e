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
