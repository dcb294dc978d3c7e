import { Duration, Option, Redacted } from "effect"
import type { AppSettings } from "../../config/AppConfig.js"
import { attemptTimeout } from "../RetryPolicy.js"

/** Everything the OpenAI providers need, read once at start-up. */
export interface OpenAiSettings {
  readonly apiKey: Redacted.Redacted<string>
  /** `None`: the SDK's default endpoint. */
  readonly baseUrl: Option.Option<string>
  readonly chatModel: string
  readonly embeddingModel: string
  /** Vector size stored in `memory_facts.embedding`. */
  readonly dimensions: number
  /** Budget of one HTTP attempt; not an environment variable, tests shorten it. */
  readonly attemptTimeout: Duration.Duration
}

/**
 * The OpenAI settings of the application's configuration when `OPENAI_API_KEY` is set (an empty
 * value counts as unset), `None` when the offline provider should run instead.
 */
export const openAiSettingsOf = (config: AppSettings): Option.Option<OpenAiSettings> =>
  Option.map(config.openAiApiKey, (apiKey): OpenAiSettings => ({
    apiKey,
    baseUrl: config.openAiBaseUrl,
    chatModel: config.chatModel,
    embeddingModel: config.embeddingModel,
    dimensions: config.embeddingDimensions,
    attemptTimeout
  }))

/** Settings with the documented defaults, for tests and tools pointing at a given server. */
export const makeOpenAiSettings = (
  options: { readonly apiKey: string; readonly baseUrl?: string } & Partial<
    Omit<OpenAiSettings, "apiKey" | "baseUrl">
  >
): OpenAiSettings => ({
  apiKey: Redacted.make(options.apiKey),
  baseUrl: Option.fromNullable(options.baseUrl),
  chatModel: options.chatModel ?? "gpt-4o-mini",
  embeddingModel: options.embeddingModel ?? "text-embedding-3-small",
  dimensions: options.dimensions ?? 1536,
  attemptTimeout: options.attemptTimeout ?? attemptTimeout
})
