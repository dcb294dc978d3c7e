import { Config, Duration, Option, Redacted } from "effect"
import { settings } from "../../config/AppConfig.js"
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

/** `EMBEDDING_DIMENSIONS` (AppConfig's definition); shared by the offline provider. */
export const embeddingDimensionsConfig: Config.Config<number> = settings.embeddingDimensions

/**
 * The OpenAI settings when `OPENAI_API_KEY` is set (an empty value counts as unset), `None` when
 * the offline provider should run instead.
 */
export const openAiSettingsConfig: Config.Config<Option.Option<OpenAiSettings>> = Config.all({
  apiKey: settings.openAiApiKey,
  baseUrl: settings.openAiBaseUrl,
  chatModel: settings.chatModel,
  embeddingModel: settings.embeddingModel,
  dimensions: settings.embeddingDimensions
}).pipe(
  Config.map(({ apiKey, ...rest }) => Option.map(apiKey, (key): OpenAiSettings => ({ ...rest, apiKey: key, attemptTimeout })))
)

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
