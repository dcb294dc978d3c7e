import { Config, ConfigError, Duration, Effect, Either, Option, Redacted } from "effect"

/**
 * Every setting of API.md's configuration table, read once at start-up so that a malformed value
 * stops the service before it listens. Layers that need a setting depend on `AppConfig`.
 */

const fail = (name: string, expected: string, got: string) =>
  Either.left(ConfigError.InvalidData([name], `expected ${expected}, got ${JSON.stringify(got)}`))

// Config may prefix the variable's name to a path that already names it: say it once.
const variableOf = (path: ReadonlyArray<string>) => path.filter((segment, i) => segment !== path[i - 1]).join(".")

/** A duration as an Effect duration string ("90 seconds", "15 minutes") or plain milliseconds. */
export const duration = (name: string, fallback: Duration.DurationInput) =>
  Config.string(name).pipe(
    Config.mapOrFail((raw) => {
      const text = raw.trim()
      const parsed = /^\d+(\.\d+)?$/.test(text)
        ? Option.some(Duration.millis(Number(text)))
        : Duration.decodeUnknown(text)
      return Option.match(parsed, {
        onNone: () => fail(name, `a duration such as "15 minutes" or milliseconds`, raw),
        onSome: (value) =>
          Duration.greaterThan(value, Duration.zero) && Duration.isFinite(value)
            ? Either.right(value)
            : fail(name, "a positive duration", raw)
      })
    }),
    Config.withDefault(Duration.decode(fallback))
  )

/** A whole number within bounds. */
export const integer = (name: string, fallback: number, min: number, max: number) =>
  Config.string(name).pipe(
    Config.mapOrFail((raw) => {
      const text = raw.trim()
      const value = Number(text)
      return /^-?\d+$/.test(text) && value >= min && value <= max
        ? Either.right(value)
        : fail(name, `a whole number from ${min} to ${max}`, raw)
    }),
    Config.withDefault(fallback)
  )

export const boolean = (name: string, fallback: boolean) =>
  Config.string(name).pipe(
    Config.mapOrFail((raw) => {
      const text = raw.trim().toLowerCase()
      if (["true", "1", "yes", "on"].includes(text)) return Either.right(true)
      if (["false", "0", "no", "off"].includes(text)) return Either.right(false)
      return fail(name, "true or false", raw)
    }),
    Config.withDefault(fallback)
  )

const nonEmpty = (name: string) =>
  Config.string(name).pipe(
    Config.mapOrFail((raw) => (raw.trim().length > 0 ? Either.right(raw.trim()) : fail(name, "a non-empty value", raw)))
  )

/** A secret; an empty value counts as unset (`OPENAI_API_KEY= npm start` runs offline). */
const secret = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Config.map((value) => Option.map(Option.filter(value, (raw) => raw.trim() !== ""), (raw) => Redacted.make(raw.trim())))
  )

const url = (name: string) =>
  Config.option(
    nonEmpty(name).pipe(
      Config.mapOrFail((raw) => (URL.canParse(raw) ? Either.right(raw) : fail(name, "a URL", raw)))
    )
  )

/** Each variable of API.md's table, defined once; read only through the `AppConfig` service. */
const settings = {
  port: integer("PORT", 8080, 0, 65535),
  host: nonEmpty("HOST").pipe(Config.withDefault("127.0.0.1")),
  databaseUrl: secret("DATABASE_URL"),
  dataDir: nonEmpty("DATA_DIR").pipe(Config.withDefault("./data")),
  taskSecret: secret("TASK_SECRET"),
  openAiApiKey: secret("OPENAI_API_KEY"),
  openAiBaseUrl: url("OPENAI_BASE_URL"),
  chatModel: nonEmpty("OPENAI_CHAT_MODEL").pipe(Config.withDefault("gpt-4o-mini")),
  embeddingModel: nonEmpty("OPENAI_EMBEDDING_MODEL").pipe(Config.withDefault("text-embedding-3-small")),
  // pgvector's HNSW index accepts at most 2,000 dimensions.
  embeddingDimensions: integer("EMBEDDING_DIMENSIONS", 1536, 1, 2000),
  openAiRpm: integer("OPENAI_RPM", 3000, 1, 1_000_000),
  openAiTpm: integer("OPENAI_TPM", 1_000_000, 1, 1_000_000_000),
  webhookSecret: secret("ELEVENLABS_WEBHOOK_SECRET"),
  pipelineEnabled: boolean("UNIFIED_PIPELINE_ENABLED", true),
  staleAfter: duration("STALE_AFTER", "15 minutes"),
  streamConcurrency: integer("STREAM_CONCURRENCY", 8, 1, 256),
  streamPollInterval: duration("STREAM_POLL_INTERVAL", "5 seconds"),
  pipelineTimeout: duration("PIPELINE_TIMEOUT", "30 seconds"),
  stuckAfter: duration("STUCK_AFTER", "30 minutes"),
  maxAttempts: integer("MAX_ATTEMPTS", 3, 1, 100),
  maxBodyBytes: integer("MAX_BODY_BYTES", 1_048_576, 1, 1_073_741_824),
  // Not in API.md's table: operational knobs with safe defaults.
  leaseDuration: duration("LEASE_DURATION", "60 seconds"),
  shutdownGrace: duration("SHUTDOWN_GRACE", "20 seconds"),
  instanceId: Config.option(nonEmpty("INSTANCE_ID"))
}

export const appConfig = Config.all(settings)

export type AppSettings = Config.Config.Success<typeof appConfig>

export class AppConfig extends Effect.Service<AppConfig>()("aftertalk/AppConfig", {
  effect: appConfig
}) {}

/** One line naming the variable and what was expected, for start-up failures. */
export const describeConfigError = (error: ConfigError.ConfigError): string =>
  ConfigError.reduceWithContext(error, undefined, {
    andCase: (_, left: string, right: string) => `${left}; ${right}`,
    orCase: (_, left: string, right: string) => `${left}; ${right}`,
    invalidDataCase: (_, path, message) => `${variableOf(path)}: ${message}`,
    missingDataCase: (_, path, message) => `${variableOf(path)}: ${message}`,
    sourceUnavailableCase: (_, path, message) => `${variableOf(path)}: ${message}`,
    unsupportedCase: (_, path, message) => `${variableOf(path)}: ${message}`
  })
