import { Option, Schema } from "effect"
import type { IncomingMessage, ServerResponse } from "node:http"
import { encodeFloat32Base64 } from "../../src/model/openai/Float32Base64.js"
import { hashEmbedding } from "../../src/model/offline/OfflineEmbedding.js"
import { offlineAnswer } from "../../src/model/offline/OfflineLanguageModel.js"
import { summarizeTranscript } from "../../src/model/offline/OfflineSummary.js"
import { strictSchemaViolations } from "../../src/model/openai/StrictSchema.js"
import { findTranscript } from "../../src/model/Transcript.js"

/**
 * The OpenAI wire protocol as the fake server speaks it: the request shapes it checks, the rules
 * that make a request a 400 at the real API, and the replies it builds (chat completions,
 * embeddings, errors). The server itself is `FakeOpenAi.ts`.
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

export const ChatRequest = Schema.Struct({
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

export const EmbeddingsRequest = Schema.Struct({
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

export const send = (response: ServerResponse, reply: FakeReply) => {
  const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {})
  response.writeHead(reply.status, {
    "content-type": typeof reply.body === "string" ? "text/plain" : "application/json",
    ...reply.headers
  })
  response.end(text)
}

let completionCounter = 0

export const chatCompletion = (
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

export const embeddingsReply = (body: typeof EmbeddingsRequest.Type, encoding: EmbeddingEncoding): FakeReply => {
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
