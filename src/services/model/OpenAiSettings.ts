import { Config, Duration, Option, Redacted } from "effect"
import { attemptTimeout } from "./RetryPolicy.js"

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
 * `EMBEDDING_DIMENSIONS`, default 1536; shared by the offline provider. At most 2,000: the most
 * pgvector's HNSW index accepts.
 */
export const embeddingDimensionsConfig: Config.Config<number> = Config.integer("EMBEDDING_DIMENSIONS").pipe(
  Config.withDefault(1536),
  Config.validate({
    message: "EMBEDDING_DIMENSIONS must be an integer from 1 to 2000",
    validation: (n) => n >= 1 && n <= 2000
  })
)

/**
 * The OpenAI settings when `OPENAI_API_KEY` is set (an empty value counts as unset), `None` when
 * the offline provider should run instead.
 */
export const openAiSettingsConfig: Config.Config<Option.Option<OpenAiSettings>> = Config.all({
  apiKey: Config.option(Config.redacted("OPENAI_API_KEY")),
  baseUrl: Config.option(
    Config.nonEmptyString("OPENAI_BASE_URL").pipe(
      Config.validate({ message: "OPENAI_BASE_URL must be a URL", validation: (url) => URL.canParse(url) })
    )
  ),
  chatModel: Config.nonEmptyString("OPENAI_CHAT_MODEL").pipe(Config.withDefault("gpt-4o-mini")),
  embeddingModel: Config.nonEmptyString("OPENAI_EMBEDDING_MODEL").pipe(Config.withDefault("text-embedding-3-small")),
  dimensions: embeddingDimensionsConfig
}).pipe(
  Config.map(({ apiKey, ...rest }) =>
    Option.filter(apiKey, (key) => Redacted.value(key).trim() !== "").pipe(
      Option.map((key): OpenAiSettings => ({ ...rest, apiKey: key, attemptTimeout }))
    )
  )
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
