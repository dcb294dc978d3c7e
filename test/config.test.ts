import { describe, expect, it } from "@effect/vitest"
import { ConfigError, ConfigProvider, Duration, Effect, Either, Option, Redacted } from "effect"
import { appConfig, describeConfigError } from "../src/config/AppConfig.js"

const load = (env: Record<string, string>) =>
  Effect.withConfigProvider(appConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))

const failure = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const result = yield* Effect.either(load(env))
    if (Either.isRight(result)) return yield* Effect.dieMessage("expected a configuration error")
    return describeConfigError(result.left)
  })

describe("configuration", () => {
  it.effect("defaults are API.md's table", () =>
    Effect.gen(function*() {
      const config = yield* load({})
      expect({
        port: config.port,
        host: config.host,
        dataDir: config.dataDir,
        databaseUrl: Option.isNone(config.databaseUrl),
        taskSecret: Option.isNone(config.taskSecret),
        openAiApiKey: Option.isNone(config.openAiApiKey),
        chatModel: config.chatModel,
        embeddingModel: config.embeddingModel,
        embeddingDimensions: config.embeddingDimensions,
        openAiRpm: config.openAiRpm,
        openAiTpm: config.openAiTpm,
        webhookSecret: Option.isNone(config.webhookSecret),
        pipelineEnabled: config.pipelineEnabled,
        staleAfter: Duration.toMillis(config.staleAfter),
        streamConcurrency: config.streamConcurrency,
        streamPollInterval: Duration.toMillis(config.streamPollInterval),
        pipelineTimeout: Duration.toMillis(config.pipelineTimeout),
        stuckAfter: Duration.toMillis(config.stuckAfter),
        maxAttempts: config.maxAttempts,
        maxBodyBytes: config.maxBodyBytes
      }).toEqual({
        port: 8080,
        host: "127.0.0.1",
        dataDir: "./data",
        databaseUrl: true,
        taskSecret: true,
        openAiApiKey: true,
        chatModel: "gpt-4o-mini",
        embeddingModel: "text-embedding-3-small",
        embeddingDimensions: 1536,
        openAiRpm: 3000,
        openAiTpm: 1_000_000,
        webhookSecret: true,
        pipelineEnabled: true,
        staleAfter: 15 * 60_000,
        streamConcurrency: 8,
        streamPollInterval: 5_000,
        pipelineTimeout: 30_000,
        stuckAfter: 30 * 60_000,
        maxAttempts: 3,
        maxBodyBytes: 1_048_576
      })
    }))

  it.effect("durations take Effect strings or plain milliseconds; secrets stay redacted", () =>
    Effect.gen(function*() {
      const config = yield* load({
        STALE_AFTER: "90 seconds",
        PIPELINE_TIMEOUT: "45000",
        TASK_SECRET: "s3cret-of-sixteen-chars",
        UNIFIED_PIPELINE_ENABLED: "false"
      })
      expect(Duration.toMillis(config.staleAfter)).toBe(90_000)
      expect(Duration.toMillis(config.pipelineTimeout)).toBe(45_000)
      expect(config.pipelineEnabled).toBe(false)
      expect(Option.map(config.taskSecret, Redacted.value)).toEqual(Option.some("s3cret-of-sixteen-chars"))
      expect(String(config.taskSecret)).not.toContain("s3cret")
    }))

  const malformed: ReadonlyArray<readonly [Record<string, string>, string]> = [
    [{ STALE_AFTER: "soon" }, `STALE_AFTER: expected a duration such as "15 minutes" or milliseconds, got "soon"`],
    [{ PORT: "eighty" }, `PORT: expected a whole number from 0 to 65535, got "eighty"`],
    [{ STREAM_CONCURRENCY: "0" }, "STREAM_CONCURRENCY: expected a whole number from 1 to 256"],
    [{ UNIFIED_PIPELINE_ENABLED: "maybe" }, "UNIFIED_PIPELINE_ENABLED: expected true or false"],
    [{ EMBEDDING_DIMENSIONS: "4096" }, "EMBEDDING_DIMENSIONS: expected a whole number from 1 to 2000"],
    [{ OPENAI_BASE_URL: "not a url" }, "OPENAI_BASE_URL: expected a URL"],
    [{ PIPELINE_TIMEOUT: "0" }, "PIPELINE_TIMEOUT: expected a positive duration"],
    [{ TASK_SECRET: "short-secret" }, "TASK_SECRET: expected at least 16 characters (the value is not shown)"],
    [{ HTTP_MAX_CONNECTIONS: "0" }, "HTTP_MAX_CONNECTIONS: expected a whole number from 1 to 1000000"]
  ]

  it.effect.each(malformed)("a malformed value names the variable and what was expected: %o", ([env, expected]) =>
    Effect.gen(function*() {
      const message = yield* failure(env)
      expect(message.startsWith(expected)).toBe(true)
      expect(message.split("\n")).toHaveLength(1)
      // A secret's value is never echoed, even when it is refused.
      if (env.TASK_SECRET !== undefined) expect(message).not.toContain(env.TASK_SECRET)
    }))

  it.effect("an empty secret counts as unset: OPENAI_API_KEY= runs the offline provider", () =>
    Effect.gen(function*() {
      const config = yield* load({ OPENAI_API_KEY: "", TASK_SECRET: "  " })
      expect(Option.isNone(config.openAiApiKey)).toBe(true)
      expect(Option.isNone(config.taskSecret)).toBe(true)
    }))

  it.effect("several malformed values are all named", () =>
    Effect.gen(function*() {
      const result = yield* Effect.either(load({ PORT: "x", MAX_ATTEMPTS: "-1" }))
      expect(Either.isLeft(result) && ConfigError.isConfigError(result.left)).toBe(true)
      const message = yield* failure({ PORT: "x", MAX_ATTEMPTS: "-1" })
      expect(message).toContain("PORT")
      expect(message).toContain("MAX_ATTEMPTS")
    }))
})
