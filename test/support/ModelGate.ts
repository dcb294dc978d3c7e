import { Duration, Effect, Schedule } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { parseJson, readBody } from "./FakeOpenAi.js"

/**
 * A proxy in front of the fake OpenAI server that holds chosen model calls: it lets them through,
 * answers them late, or never. Each service process gets its own gate (its own OPENAI_BASE_URL),
 * so one instance can hang where another answers, and the test sees which calls arrived, i.e.
 * where in its pipeline each instance is. The answers themselves come from `FakeOpenAi`.
 */

/** A model call as the pipeline makes it: a structured output by schema name, free text, or embeddings. */
export type ModelCall = "extraction" | "life_events" | "text" | "embeddings" | "other"

export type GateBehaviour =
  | { readonly _tag: "pass" }
  | { readonly _tag: "delay"; readonly millis: number }
  | { readonly _tag: "hang" }

export const pass: GateBehaviour = { _tag: "pass" }
export const hang: GateBehaviour = { _tag: "hang" }
export const delay = (duration: Duration.DurationInput): GateBehaviour => ({
  _tag: "delay",
  millis: Duration.toMillis(Duration.decode(duration))
})

const callOf = (path: string, body: unknown): ModelCall => {
  if (path.endsWith("/embeddings")) return "embeddings"
  if (!path.endsWith("/chat/completions") || typeof body !== "object" || body === null) return "other"
  const format = "response_format" in body ? body.response_format : undefined
  if (format === undefined || format === null) return "text"
  const schema = typeof format === "object" && "json_schema" in format ? format.json_schema : undefined
  const name = typeof schema === "object" && schema !== null && "name" in schema ? schema.name : undefined
  return name === "extraction" ? "extraction" : name === "life_events" ? "life_events" : "other"
}

/** A gate forwarding to `upstream` (the fake's `url`, without `/v1`); every call passes until told otherwise. */
export const modelGate = (upstream: string) =>
  Effect.gen(function*() {
    // Plain mutable state: the Node request handler reads it synchronously.
    const behaviours = new Map<ModelCall, GateBehaviour>()
    const arrived = new Map<ModelCall, number>()

    const forward = async (request: IncomingMessage, response: ServerResponse, path: string, text: string) => {
      const answer = await fetch(`${upstream}${path}`, {
        method: request.method ?? "POST",
        headers: {
          "content-type": request.headers["content-type"] ?? "application/json",
          authorization: request.headers.authorization ?? ""
        },
        ...(text === "" ? {} : { body: text })
      })
      const body = await answer.text()
      if (response.destroyed) return
      response.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "application/json",
        "x-request-id": answer.headers.get("x-request-id") ?? "req_gate"
      })
      response.end(body)
    }

    const handle = async (request: IncomingMessage, response: ServerResponse) => {
      const text = await readBody(request)
      const path = (request.url ?? "/").split("?")[0] ?? "/"
      const call = callOf(path, parseJson(text))
      arrived.set(call, (arrived.get(call) ?? 0) + 1)
      const behaviour = behaviours.get(call) ?? pass
      if (behaviour._tag === "hang") return
      if (behaviour._tag === "delay") await new Promise((resolve) => setTimeout(resolve, behaviour.millis))
      await forward(request, response, path, text)
    }

    const server = yield* Effect.acquireRelease(
      Effect.async<ReturnType<typeof createServer>>((resume) => {
        const created = createServer((request, response) => {
          handle(request, response).catch((error: unknown) => {
            if (response.destroyed) return
            response.writeHead(502, { "content-type": "application/json" })
            response.end(JSON.stringify({ error: { message: `gate: ${String(error)}`, type: "gate", param: null, code: null } }))
          })
        })
        created.listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
      }),
      (created) =>
        Effect.async<void>((resume) => {
          created.closeAllConnections()
          created.close(() => resume(Effect.void))
        })
    )
    const address: AddressInfo | string | null = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0

    const arrivals = (call: ModelCall) => Effect.sync(() => arrived.get(call) ?? 0)

    return {
      /** What OPENAI_BASE_URL should be for the instance behind this gate. */
      baseUrl: `http://127.0.0.1:${port}/v1`,
      /** How calls of this kind are treated from now on. */
      set: (call: ModelCall, behaviour: GateBehaviour) =>
        Effect.sync(() => {
          behaviours.set(call, behaviour)
        }),
      /** How many calls of this kind arrived so far (held ones included). */
      arrivals,
      /** Waits until at least `count` calls of this kind arrived. */
      awaitArrivals: (call: ModelCall, count: number, within: Duration.DurationInput = "30 seconds") =>
        arrivals(call).pipe(
          Effect.filterOrFail((n) => n >= count, () => "not yet" as const),
          Effect.retry(Schedule.spaced("50 millis")),
          Effect.timeoutFail({
            duration: within,
            onTimeout: () => new Error(`fewer than ${count} ${call} calls within ${Duration.format(Duration.decode(within))}`)
          }),
          Effect.orDie,
          Effect.asVoid
        )
    }
  })

export type ModelGate = Effect.Effect.Success<ReturnType<typeof modelGate>>
