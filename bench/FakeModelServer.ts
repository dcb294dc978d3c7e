import { Effect, Option } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { encodeFloat32Base64 } from "../src/model/openai/Float32Base64.js"
import { hashEmbedding } from "../src/model/offline/OfflineEmbedding.js"
import { offlineAnswer } from "../src/model/offline/OfflineLanguageModel.js"
import { summarizeTranscript } from "../src/model/offline/OfflineSummary.js"
import { findTranscript } from "../src/model/Transcript.js"

/**
 * An OpenAI-protocol server for the benchmarks, driven by the real SDK: chat answers from the
 * offline provider's rules, embeddings from its feature hashing (base64, as OpenAI may send),
 * each answer after `delayMs`. With `requestsPerMinute` it enforces that limit the way OpenAI
 * does (a bucket of one second's share, refilled continuously) and answers 429 with
 * `retry-after-ms` when the bucket is empty.
 *
 * Besides the protocol it answers `GET /bench/counts` (the counts as JSON) and `POST /bench/reset`,
 * so that a bench running it in a child process (`FakeModelProcess.ts`) reads them over HTTP.
 */
export interface FakeModelOptions {
  readonly delayMs: number
  readonly requestsPerMinute?: number | undefined
}

export interface FakeModelCounts {
  readonly chat: number
  readonly embeddings: number
  readonly rejected: number
  /** `performance.now()` of every accepted request. */
  readonly accepted: ReadonlyArray<number>
}

interface ChatBody {
  readonly messages?: ReadonlyArray<{ readonly role: string; readonly content: string }>
  readonly response_format?: { readonly json_schema?: { readonly name: string } }
  readonly model?: string
}

interface EmbeddingsBody {
  readonly input?: string | ReadonlyArray<string>
  readonly dimensions?: number
}

const readJson = <T>(request: IncomingMessage): Promise<T> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")))
      } catch (error) {
        reject(error)
      }
    })
    request.on("error", reject)
  })

const reply = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  send(response, status, JSON.stringify(body), headers)

const send = (response: ServerResponse, status: number, json: string, headers: Record<string, string> = {}) => {
  response.writeHead(status, { "content-type": "application/json", ...headers })
  response.end(json)
}

const chatAnswer = (body: ChatBody): string => {
  const text = (role: string) => (body.messages ?? []).filter((m) => m.role === role).map((m) => m.content).join("\n")
  const name = body.response_format?.json_schema?.name
  if (name !== undefined) {
    return JSON.stringify(Option.getOrElse(offlineAnswer({ name, system: text("system"), prompt: text("user") }), () => ({})))
  }
  return Option.match(findTranscript(text("user")), { onNone: () => text("user"), onSome: summarizeTranscript })
}

export const fakeModelServer = (options: FakeModelOptions) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly counts: () => FakeModelCounts; readonly reset: () => void; readonly close: () => Promise<void> }>((resume) => {
      let counts = { chat: 0, embeddings: 0, rejected: 0, accepted: [] as Array<number> }
      const embeddingsAnswer = (body: EmbeddingsBody) => {
        counts.embeddings += 1
        const inputs = typeof body.input === "string" ? [body.input] : body.input ?? []
        return {
          object: "list",
          model: "fake",
          data: inputs.map((input, index) => ({
            object: "embedding",
            index,
            embedding: encodeFloat32Base64(hashEmbedding(input, body.dimensions ?? 1536))
          })),
          usage: { prompt_tokens: 0, total_tokens: 0 }
        }
      }
      const chatCompletion = (body: ChatBody) => {
        counts.chat += 1
        return {
          id: `chatcmpl-${counts.chat}`,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: body.model ?? "fake",
          choices: [{ index: 0, message: { role: "assistant", content: chatAnswer(body), refusal: null }, finish_reason: "stop", logprobs: null }],
          usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
        }
      }
      const limit = options.requestsPerMinute
      let level = limit === undefined ? 0 : limit / 60
      let at = performance.now()
      /** Whether the bucket had room; otherwise the milliseconds until it will. */
      const admit = (): number => {
        if (limit === undefined) return 0
        const now = performance.now()
        level = Math.min(limit / 60, level + ((now - at) * limit) / 60_000)
        at = now
        if (level >= 1) {
          level -= 1
          return 0
        }
        return Math.ceil(((1 - level) * 60_000) / limit)
      }
      const server = createServer((request, response) => {
        const arrived = performance.now()
        if (request.url === "/bench/counts") return reply(response, 200, counts)
        if (request.url === "/bench/reset") {
          counts = { chat: 0, embeddings: 0, rejected: 0, accepted: [] }
          return reply(response, 200, {})
        }
        void readJson<ChatBody & EmbeddingsBody>(request).then((body) => {
          const wait = admit()
          if (wait > 0) {
            counts.rejected += 1
            return reply(response, 429, { error: { message: "rate limited", type: "requests", code: null, param: null } }, {
              "retry-after-ms": String(wait)
            })
          }
          counts.accepted.push(performance.now())
          // The answer is made at once and sent `delayMs` after the request arrived: the fake's own
          // work (a 1536-dimension embedding, a chat answer) is inside the model's time, not added to it.
          const answer = JSON.stringify(request.url === "/v1/embeddings" ? embeddingsAnswer(body) : chatCompletion(body))
          setTimeout(() => send(response, 200, answer), Math.max(0, arrived + options.delayMs - performance.now()))
        }, () => reply(response, 400, { error: { message: "not JSON", type: "invalid_request", code: null, param: null } }))
      })
      server.keepAliveTimeout = 60_000
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({
          url: `http://127.0.0.1:${port}/v1`,
          counts: () => counts,
          reset: () => {
            counts = { chat: 0, embeddings: 0, rejected: 0, accepted: [] }
          },
          close: () =>
            new Promise<void>((done) => {
              server.closeAllConnections()
              server.close(() => done())
            })
        }))
      })
    }),
    (fake) => Effect.promise(fake.close)
  )
