import { Console, Data, Effect } from "effect"
import { type StageName, stageNames } from "../pipeline/Stage.js"
import type { StageResult } from "../runs/ExecutionRepository.js"

/** A failure of a command that a person can act on: printed as `aftertalk: <message>`, exit code 1. */
export class CliFailure extends Data.TaggedError("CliFailure")<{ readonly message: string }> {}

/** Pads each column to its widest cell. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd()
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n")
}

/** Every stage in pipeline order, `not run` for those a stopped run never reached. */
export const stageTable = (results: { readonly [Stage in StageName]?: StageResult | undefined }): string =>
  table(
    ["stage", "status", "ms", "error"],
    stageNames.map((stage) => {
      const result = results[stage]
      return result === undefined
        ? [stage, "not run", "", ""]
        : [stage, result.status, String(result.duration_ms), (result.error ?? "").replace(/\s+/g, " ")]
    })
  )

/**
 * A progress bar on stderr: redrawn in place on a terminal, and on anything else (a log file, a
 * test) one line per tenth, so a pipe is not flooded with carriage returns.
 */
export const progressBar = (label: string, total: number) => {
  const terminal = process.stderr.isTTY === true
  let lastTenth = -1
  const draw = (done: number) =>
    Effect.sync(() => {
      const ratio = total === 0 ? 1 : Math.min(1, done / total)
      const filled = Math.round(ratio * 30)
      const text = `${label} [${"#".repeat(filled)}${"-".repeat(30 - filled)}] ${done}/${total}`
      if (terminal) {
        process.stderr.write(`\r${text}${done >= total ? "\n" : ""}`)
        return
      }
      const tenth = Math.floor(ratio * 10)
      if (tenth !== lastTenth) {
        lastTenth = tenth
        process.stderr.write(`${text}\n`)
      }
    })
  return { start: draw(0), update: draw }
}

export const print = (text: string) => Console.log(text)
