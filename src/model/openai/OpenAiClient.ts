import { Clock, Duration, Effect, Option, Redacted } from "effect"
import OpenAI from "openai"
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions"
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "openai/resources/embeddings"
import type { ModelError } from "../ModelError.js"
import { ModelRateLimiter } from "../ModelRateLimiter.js"
import { fromOpenAiError } from "./OpenAiErrors.js"
import type { OpenAiSettings } from "./OpenAiSettings.js"
import { clientBackstopTimeout, withModelRetries } from "../RetryPolicy.js"
import { recordTokens } from "../../observability/ServiceMetrics.js"

/**
 * The two OpenAI endpoints aftertalk uses, each call passing the shared rate limiter, with a
 * per-attempt timeout and the retry policy. The SDK itself neither retries nor times out.
 */
export interface OpenAiClient {
  readonly settings: OpenAiSettings
  readonly createChatCompletion: (
    body: ChatCompletionCreateParamsNonStreaming,
    estimatedTokens: number
  ) => Effect.Effect<ChatCompletion, ModelError>
  readonly createEmbeddings: (
    body: EmbeddingCreateParams,
    estimatedTokens: number
  ) => Effect.Effect<CreateEmbeddingResponse, ModelError>
}

export const makeOpenAiClient = (settings: OpenAiSettings): Effect.Effect<OpenAiClient, never, ModelRateLimiter> =>
  Effect.gen(function*() {
    const limiter = yield* ModelRateLimiter
    const client = new OpenAI({
      apiKey: Redacted.value(settings.apiKey),
      ...Option.match(settings.baseUrl, { onNone: () => ({}), onSome: (baseURL) => ({ baseURL }) }),
      maxRetries: 0,
      timeout: Duration.toMillis(clientBackstopTimeout)
    })

    /** One logical request: `send` gets the signal that Effect aborts on timeout or interruption. */
    const request = <A>(operation: string, estimatedTokens: number, send: (signal: AbortSignal) => Promise<A>) =>
      Effect.tryPromise({ try: send, catch: (cause) => cause }).pipe(
        Effect.catchAll((cause) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.fail(fromOpenAiError(operation, cause, now)))
        ),
        withModelRetries({
          operation,
          timeout: settings.attemptTimeout,
          gate: limiter.withinLimits(estimatedTokens)
        }),
        Effect.withSpan(`OpenAi.${operation}`, { attributes: { estimatedTokens } })
      )

    return {
      settings,
      createChatCompletion: (body, estimatedTokens) =>
        request("chat.completions", estimatedTokens, (signal) => client.chat.completions.create(body, { signal })).pipe(
          Effect.tap((completion) => recordTokens("chat.completions", completion.usage))
        ),
      createEmbeddings: (body, estimatedTokens) =>
        request("embeddings", estimatedTokens, (signal) => client.embeddings.create(body, { signal })).pipe(
          Effect.tap((response) => recordTokens("embeddings", response.usage))
        )
    }
  })
