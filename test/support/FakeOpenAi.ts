import { ConfigProvider, Effect, Layer, Option, Schema } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Embeddings } from "../../src/model/Embeddings.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { encodeFloat32Base64 } from "../../src/model/openai/Float32Base64.js"
import { ModelRateLimiter } from "../../src/model/ModelRateLimiter.js"
import { hashEmbedding } from "../../src/model/offline/OfflineEmbedding.js"
import { offlineAnswer } from "../../src/model/offline/OfflineLanguageModel.js"
import { summarizeTranscript } from "../../src/model/offline/OfflineSummary.js"
import { makeOpenAiSettings, type OpenAiSettings } from "../../src/model/openai/OpenAiSettings.js"
import { strictSchemaViolations } from "../../src/model/openai/StrictSchema.js"
import { findTranscript } from "../../src/model/Transcript.js"

/**
 * A fake OpenAI server on 127.0.0.1 (random port) speaking the real wire protocol, for driving the
 * official SDK in tests:
 *
 * - `POST /v1/chat/completions`: like the real API, a request without `max_completion_tokens`, or
 *   with a `json_schema` response format that is not `strict: true` inside OpenAI's strict subset
 *   (`StrictSchema.ts`), is a 400. Queued chat answers ({@link FakeOpenAi.answerChat}: a refusal,
 *   an answer cut off at the token limit, or given content such as an invalid object) answer the
 *   next chat requests; otherwise the chat handler does (see {@link FakeOpenAi.onChat});
 *   by default a `json_schema` response format named "extraction" or "life_events" gets the offline
 *   provider's JSON, another schema `{}`, and a text request the offline summary when the prompt
 *   carries a transcript, else the prompt itself.
 * - `POST /v1/embeddings`: deterministic vectors (the offline feature hashing, so similar texts
 *   stay similar) of the requested `dimensions` (1536 without), as floats or base64 following
 *   `encoding_format`, unless forced with {@link FakeOpenAi.setEmbeddingEncoding}.
 * - Scripted replies ({@link FakeOpenAi.script}) answer the next requests, whatever their
 *   path, before any handler: a status, headers and body, "hang" to never answer, or "drop" to
 *   close the connection.
 * - Every request is logged ({@link FakeOpenAi.requests}) with its parsed body and the
 *   real time it arrived.
 *
 * Use: `layer(FakeOpenAi.Default)` then `const fake = yield* FakeOpenAi`; point the providers at
 * it with `fake.settings()` (explicit layers) or `fake.configProvider()` (the `Default` layers),
 * or take both services from {@link layerOpenAiOnFake}.
 */

/** A reply the server sends: JSON when `body` is not a string, the string as-is otherwise. */
export interface FakeReply {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
}

/** A reply, or "hang" (never answer) or "drop" (close the connection without answering). */
export type ScriptedReply = FakeReply | "hang" | "drop"

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  /** The parsed JSON body (`undefined` when it was not JSON). */
  readonly body: unknown
  /** `Date.now()` when the request arrived. */
  readonly receivedAt: number
  /** Whether the client gave up (closed the connection) before the server answered. */
  readonly aborted: () => boolean
}

const ChatRequest = Schema.Struct({
  model: Schema.String,
  messages: Schema.Array(Schema.Struct({ role: Schema.String, content: Schema.String })),
  max_completion_tokens: Schema.optional(Schema.Int),
  response_format: Schema.optional(
    Schema.Struct({
      type: Schema.String,
      json_schema: Schema.optional(
        Schema.Struct({ name: Schema.String, schema: Schema.optional(Schema.Unknown), strict: Schema.optional(Schema.Boolean) })
      )
    })
  )
})
export type ChatRequest = typeof ChatRequest.Type

const EmbeddingsRequest = Schema.Struct({
  model: Schema.String,
  input: Schema.Union(Schema.String, Schema.Array(Schema.String)),
  dimensions: Schema.optional(Schema.Int),
  encoding_format: Schema.optional(Schema.Literal("float", "base64"))
})

/**
 * A queued chat answer: a refusal (`message.refusal`), an answer cut off at the token limit
 * (`finish_reason: "length"`, half of `content`), or `content` as a normal answer.
 */
export type ChatAnswer =
  | { readonly _tag: "Refusal"; readonly refusal: string }
  | { readonly _tag: "Truncated"; readonly content: string }
  | { readonly _tag: "Content"; readonly content: string }

/** Why a chat request would be a 400 at the real API; none when it is acceptable. */
export const chatRequestProblems = (request: ChatRequest): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (request.max_completion_tokens === undefined) problems.push("max_completion_tokens is not set")
  const format = request.response_format
  if (format?.type === "json_schema") {
    if (format.json_schema?.strict !== true) problems.push("json_schema.strict is not true")
    problems.push(...strictSchemaViolations(format.json_schema?.schema))
  }
  return problems
}

/** Answers a chat request with the assistant's content, or with a whole reply of its own. */
export type ChatHandler = (request: ChatRequest) => string | FakeReply

export type EmbeddingEncoding = "as-requested" | "float" | "base64"

/** An error reply in OpenAI's format, e.g. `openAiError(429, { code: "insufficient_quota" })`. */
export const openAiError = (
  status: number,
  options: { readonly code?: string; readonly message?: string; readonly headers?: Record<string, string> } = {}
): FakeReply => ({
  status,
  headers: options.headers ?? {},
  body: {
    error: {
      message: options.message ?? `fake error ${status}`,
      type: options.code ?? "fake_error",
      param: null,
      code: options.code ?? null
    }
  }
})

const messageOf = (request: ChatRequest, role: string) =>
  request.messages.filter((message) => message.role === role).map((message) => message.content).join("\n")

/** The default chat answer, described on the module. */
export const defaultChatHandler: ChatHandler = (request) => {
  const system = messageOf(request, "system")
  const prompt = messageOf(request, "user")
  const format = request.response_format
  if (format?.type === "json_schema" && format.json_schema !== undefined) {
    const answer = offlineAnswer({ name: format.json_schema.name, system, prompt })
    return JSON.stringify(Option.getOrElse(answer, () => ({})))
  }
  return Option.match(findTranscript(prompt), { onNone: () => prompt, onSome: summarizeTranscript })
}

/** The whole request body as text (shared with ModelGate). */
export const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/** JSON, or undefined when the text is not JSON. */
export const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const send = (response: ServerResponse, reply: FakeReply) => {
  const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {})
  response.writeHead(reply.status, {
    "content-type": typeof reply.body === "string" ? "text/plain" : "application/json",
    ...reply.headers
  })
  response.end(text)
}

let completionCounter = 0

const chatCompletion = (
  request: ChatRequest,
  content: string | null,
  options: { readonly refusal?: string; readonly finishReason?: string } = {}
): FakeReply => ({
  status: 200,
  headers: { "x-request-id": `req_fake_${++completionCounter}` },
  body: {
    id: `chatcmpl-fake-${completionCounter}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: options.refusal ?? null },
        finish_reason: options.finishReason ?? "stop",
        logprobs: null
      }
    ],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  }
})

const embeddingsReply = (body: typeof EmbeddingsRequest.Type, encoding: EmbeddingEncoding): FakeReply => {
  const inputs = typeof body.input === "string" ? [body.input] : body.input
  const format = encoding === "as-requested" ? body.encoding_format ?? "float" : encoding
  return {
    status: 200,
    body: {
      object: "list",
      model: body.model,
      data: inputs.map((input, index) => {
        const vector = hashEmbedding(input, body.dimensions ?? 1536)
        return { object: "embedding", index, embedding: format === "base64" ? encodeFloat32Base64(vector) : vector }
      }),
      usage: { prompt_tokens: 0, total_tokens: 0 }
    }
  }
}

const make = Effect.gen(function*() {
  // Plain mutable state: the Node request handler reads it synchronously.
  let log: ReadonlyArray<RecordedRequest> = []
  let scripted: ReadonlyArray<ScriptedReply> = []
  let chatHandler: ChatHandler = defaultChatHandler
  let encoding: EmbeddingEncoding = "as-requested"
  let chatAnswers: ReadonlyArray<ChatAnswer> = []

  const queuedChatAnswer = (request: ChatRequest): Option.Option<FakeReply> => {
    const [next, ...rest] = chatAnswers
    if (next === undefined) return Option.none()
    chatAnswers = rest
    switch (next._tag) {
      case "Refusal":
        return Option.some(chatCompletion(request, null, { refusal: next.refusal }))
      case "Truncated":
        return Option.some(chatCompletion(request, next.content.slice(0, Math.floor(next.content.length / 2)), { finishReason: "length" }))
      case "Content":
        return Option.some(chatCompletion(request, next.content))
    }
  }

  const nextScripted = (): Option.Option<ScriptedReply> => {
    const [next, ...rest] = scripted
    scripted = rest
    return Option.fromNullable(next)
  }

  const answer = (path: string, body: unknown): FakeReply => {
    if (path === "/v1/chat/completions") {
      return Option.match(Schema.decodeUnknownOption(ChatRequest)(body), {
        onNone: () => openAiError(400, { code: "invalid_request", message: "not a chat completion request" }),
        onSome: (request) => {
          const problems = chatRequestProblems(request)
          if (problems.length > 0) {
            return openAiError(400, { code: "invalid_request_error", message: `Invalid request: ${problems.join("; ")}` })
          }
          return Option.getOrElse(queuedChatAnswer(request), () => {
            const result = chatHandler(request)
            return typeof result === "string" ? chatCompletion(request, result) : result
          })
        }
      })
    }
    if (path === "/v1/embeddings") {
      return Option.match(Schema.decodeUnknownOption(EmbeddingsRequest)(body), {
        onNone: () => openAiError(400, { code: "invalid_request", message: "not an embeddings request" }),
        onSome: (request) => embeddingsReply(request, encoding)
      })
    }
    return openAiError(404, { code: "unknown_url", message: `no route for ${path}` })
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const text = await readBody(request)
    let aborted = false
    response.on("close", () => {
      if (!response.writableFinished) aborted = true
    })
    const path = (request.url ?? "/").split("?")[0] ?? "/"
    const body = parseJson(text)
    log = [
      ...log,
      { method: request.method ?? "GET", path, headers: request.headers, body, receivedAt: Date.now(), aborted: () => aborted }
    ]
    const reply = Option.getOrElse(nextScripted(), (): ScriptedReply => answer(path, body))
    if (reply === "drop") request.socket.destroy()
    else if (reply !== "hang") send(response, reply)
  }

  const server = yield* Effect.acquireRelease(
    Effect.async<ReturnType<typeof createServer>>((resume) => {
      const created = createServer((request, response) => {
        handle(request, response).catch((error: unknown) =>
          send(response, openAiError(500, { message: error instanceof Error ? error.message : String(error) }))
        )
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
  const url = `http://127.0.0.1:${port}`
  const baseUrl = `${url}/v1`

  return {
    /** `http://127.0.0.1:<port>`. */
    url,
    /** What OPENAI_BASE_URL should be: `url + "/v1"`. */
    baseUrl,
    /** Queues replies for the next requests (any path), in order, before any handler. */
    script: (...replies: ReadonlyArray<ScriptedReply>): Effect.Effect<void> =>
      Effect.sync(() => {
        scripted = [...scripted, ...replies]
      }),
    /** Every request so far, oldest first. */
    requests: Effect.sync((): ReadonlyArray<RecordedRequest> => log),
    /** The requests to one path, e.g. "/v1/embeddings". */
    requestsTo: (path: string): Effect.Effect<ReadonlyArray<RecordedRequest>> =>
      Effect.sync(() => log.filter((entry) => entry.path === path)),
    /** Queues answers for the next valid chat requests, in order, before the chat handler. */
    answerChat: (...answers: ReadonlyArray<ChatAnswer>): Effect.Effect<void> =>
      Effect.sync(() => {
        chatAnswers = [...chatAnswers, ...answers]
      }),
    /** Replaces the chat handler; `undefined` restores the default. */
    onChat: (handler: ChatHandler | undefined): Effect.Effect<void> =>
      Effect.sync(() => {
        chatHandler = handler ?? defaultChatHandler
      }),
    /** Forces the embeddings encoding, e.g. base64 although the client asked for floats. */
    setEmbeddingEncoding: (mode: EmbeddingEncoding): Effect.Effect<void> =>
      Effect.sync(() => {
        encoding = mode
      }),
    /** Clears the log, the script, the chat handler and the forced encoding. */
    reset: Effect.sync(() => {
      log = []
      scripted = []
      chatHandler = defaultChatHandler
      encoding = "as-requested"
      chatAnswers = []
    }),
    /** OpenAI settings pointing at this server (api key "test"), for `LanguageModel.openAi` etc. */
    settings: (overrides: Partial<Omit<OpenAiSettings, "apiKey" | "baseUrl">> = {}): OpenAiSettings =>
      makeOpenAiSettings({ ...overrides, apiKey: "test", baseUrl }),
    /**
     * Configuration for the `Default` layers: OPENAI_API_KEY=test and OPENAI_BASE_URL=this server,
     * plus `extra` variables (e.g. OPENAI_RPM, EMBEDDING_DIMENSIONS).
     */
    configProvider: (extra: Readonly<Record<string, string>> = {}): ConfigProvider.ConfigProvider =>
      ConfigProvider.fromMap(new Map(Object.entries({ OPENAI_API_KEY: "test", OPENAI_BASE_URL: baseUrl, ...extra })))
  }
})

export class FakeOpenAi extends Effect.Service<FakeOpenAi>()("test/FakeOpenAi", { scoped: make }) {}


/**
 * `LanguageModel` and `Embeddings` on the OpenAI provider pointed at a fresh fake server, sharing
 * one rate limiter (unlimited unless given), plus the `FakeOpenAi` itself to script and inspect.
 */
export const layerOpenAiOnFake = (
  options: {
    readonly settings?: Partial<Omit<OpenAiSettings, "apiKey" | "baseUrl">>
    readonly limiter?: Layer.Layer<ModelRateLimiter>
  } = {}
): Layer.Layer<LanguageModel | Embeddings | FakeOpenAi> =>
  Layer.unwrapEffect(
    Effect.map(FakeOpenAi, (fake) =>
      Layer.mergeAll(LanguageModel.openAi(fake.settings(options.settings)), Embeddings.openAi(fake.settings(options.settings)))
    )
  ).pipe(Layer.provide(options.limiter ?? ModelRateLimiter.Unlimited), Layer.provideMerge(FakeOpenAi.Default))
