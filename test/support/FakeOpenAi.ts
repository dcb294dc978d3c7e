import { ConfigProvider, Effect, Layer, Option, Schema } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Embeddings } from "../../src/model/Embeddings.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { ModelRateLimiter } from "../../src/model/ModelRateLimiter.js"
import { makeOpenAiSettings, type OpenAiSettings } from "../../src/model/openai/OpenAiSettings.js"
import {
  type ChatAnswer,
  chatCompletion,
  type ChatHandler,
  ChatRequest,
  chatRequestProblems,
  defaultChatHandler,
  type EmbeddingEncoding,
  EmbeddingsRequest,
  embeddingsReply,
  type FakeReply,
  openAiError,
  parseJson,
  readBody,
  type RecordedRequest,
  type ScriptedReply,
  send
} from "./FakeOpenAiProtocol.js"

export { chatRequestProblems, defaultChatHandler, openAiError, parseJson, readBody } from "./FakeOpenAiProtocol.js"
export type { ChatAnswer, ChatHandler, ChatRequest, EmbeddingEncoding, FakeReply, RecordedRequest, ScriptedReply } from "./FakeOpenAiProtocol.js"

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
