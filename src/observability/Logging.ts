import { Cause, HashMap, Layer, List, Logger, LogLevel, Option } from "effect"
import type { Writable } from "node:stream"

/**
 * The service's log: one line per entry, JSON (for collectors; the default when stdout is not a
 * terminal) or a readable `time LEVEL message key=value` form. No value can start a line of its
 * own: JSON escapes control characters, and the readable form quotes any value holding one, so a
 * player's message with a newline in it cannot forge a log line.
 */

export type LogFormat = "json" | "pretty"
export type LogLevelName = "trace" | "debug" | "info" | "warning" | "error" | "fatal" | "none"

const levels: Record<LogLevelName, LogLevel.LogLevel> = {
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  fatal: LogLevel.Fatal,
  none: LogLevel.None
}

/** JSON.stringify that never throws: bigints as strings, errors as their message, cycles cut. */
const serialize = (value: unknown): string => {
  const seen = new WeakSet<object>()
  try {
    return JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === "bigint") return item.toString()
      if (item instanceof Error) return `${item.name}: ${item.message}`
      if (typeof item === "object" && item !== null) {
        if (seen.has(item)) return "[Circular]"
        seen.add(item)
      }
      return item
    }) ?? "null"
  } catch {
    return JSON.stringify(String(value))
  }
}

/** Effect logs messages as an array when several are given: one stays one. */
const messageOf = (message: unknown): unknown =>
  Array.isArray(message) && message.length === 1 ? message[0] : message

export interface LogEntry {
  readonly time: string
  readonly level: string
  readonly message: unknown
  readonly fields: Record<string, unknown>
  readonly cause: string | undefined
}

const entryOf = (options: Logger.Logger.Options<unknown>): LogEntry => {
  const fields: Record<string, unknown> = {}
  for (const [key, value] of HashMap.toEntries(options.annotations)) fields[key] = value
  const now = options.date.getTime()
  for (const span of List.toArray(options.spans)) fields[`${span.label}_ms`] = now - span.startTime
  return {
    time: options.date.toISOString(),
    level: options.logLevel.label.toLowerCase(),
    message: messageOf(options.message),
    fields,
    cause: Cause.isEmpty(options.cause) ? undefined : Cause.pretty(options.cause, { renderErrorCause: true })
  }
}

/** `{"time","level","msg",...annotations,"cause"}`: annotations are top-level keys, so they can be filtered on. */
export const formatJson = (entry: LogEntry): string =>
  serialize({
    time: entry.time,
    level: entry.level,
    msg: entry.message,
    ...entry.fields,
    ...(entry.cause === undefined ? {} : { cause: entry.cause })
  })

/** A bare word stays bare; anything else (spaces, quotes, control characters) is a JSON string. */
const readable = (value: unknown): string => {
  const text = typeof value === "string" ? value : serialize(value)
  return /^[\w.:/@+-]*$/.test(text) && text !== "" ? text : JSON.stringify(text)
}

/** A message keeps its spaces but not its line breaks or other control characters. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1))

export const formatPretty = (entry: LogEntry): string => {
  const message = typeof entry.message === "string" ? entry.message : serialize(entry.message)
  const fields = Object.entries(entry.fields).map(([key, value]) => `${oneLine(key)}=${readable(value)}`)
  const cause = entry.cause === undefined ? [] : [`cause=${JSON.stringify(entry.cause)}`]
  return [entry.time, entry.level.toUpperCase().padEnd(7), oneLine(message), ...fields, ...cause].join(" ")
}

/** A logger writing whole lines to `out` (stdout by default; a test passes its own). */
export const lineLogger = (format: LogFormat, out: Writable = process.stdout) => {
  const render = format === "json" ? formatJson : formatPretty
  return Logger.make<unknown, void>((options) => {
    out.write(`${render(entryOf(options))}\n`)
  })
}

/** JSON unless asked otherwise or stdout is a person's terminal. */
export const chooseFormat = (configured: Option.Option<LogFormat>): LogFormat =>
  Option.getOrElse(configured, () => (process.stdout.isTTY === true ? "pretty" : "json"))

/** Replaces Effect's default logger and sets the minimum level, for everything the layer is provided to. */
export const loggingLayer = (settings: {
  readonly format: LogFormat
  readonly level: LogLevelName
  readonly out?: Writable
}) =>
  Layer.merge(
    Logger.replace(Logger.defaultLogger, lineLogger(settings.format, settings.out)),
    Logger.minimumLogLevel(levels[settings.level])
  )
