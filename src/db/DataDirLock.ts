import { Data, Effect, Layer, Option, Schema } from "effect"
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs"
import { mkdir } from "node:fs/promises"
import { hostname } from "node:os"
import { join } from "node:path"

/**
 * The embedded database is one process's: PGlite has no locking of its own, and a second
 * process opening the same files corrupts them. `DATA_DIR/aftertalk.lock` is created with
 * O_EXCL (`wx`) and holds the owner's pid and host; it is removed on a clean exit. A lock left by
 * a crash is stale when its pid no longer runs on this host, and is then taken over.
 */

export class DataDirLocked extends Data.TaggedError("DataDirLocked")<{
  readonly dataDir: string
  readonly holder: string
}> {
  override get message() {
    return `DATA_DIR ${this.dataDir} is in use by ${this.holder}; stop that process or use another DATA_DIR`
  }
}

const Holder = Schema.parseJson(Schema.Struct({ pid: Schema.Number, host: Schema.String, since: Schema.String }))
type Holder = typeof Holder.Type
const decodeHolder = Schema.decodeUnknownOption(Holder)

const lockFile = (dataDir: string) => join(dataDir, "aftertalk.lock")

const readHolder = (file: string): Holder | undefined => {
  try {
    return Option.getOrUndefined(decodeHolder(readFileSync(file, "utf8")))
  } catch {
    return undefined
  }
}

const running = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return error instanceof Error && "code" in error && error.code === "EPERM"
  }
}

/** Creates the lock file or says who holds it; takes over a lock whose process is gone. */
const tryCreate = (file: string, attempt: number): Effect.Effect<void, { readonly holder: string }> =>
  Effect.suspend(() => {
    try {
      const fd = openSync(file, "wx", 0o644)
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }))
      closeSync(fd)
      return Effect.void
    } catch (error) {
      if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) {
        return Effect.fail({ holder: `an unreadable lock (${error instanceof Error ? error.message : String(error)})` })
      }
    }
    const holder = readHolder(file)
    // A lock being written right now has no content yet: count it as held.
    const stale = holder !== undefined && holder.host === hostname() && !running(holder.pid)
    if (stale && attempt === 0) {
      try {
        unlinkSync(file)
      } catch {
        // Another process took it over first; the retry below will say who holds it now.
      }
      return tryCreate(file, attempt + 1)
    }
    return Effect.fail({
      holder: holder === undefined ? `another process (${file})` : `pid ${holder.pid} on ${holder.host} since ${holder.since}`
    })
  })

/** Holds the lock on `dataDir` for the layer's lifetime. */
export const dataDirLock = (dataDir: string): Layer.Layer<never, DataDirLocked> =>
  Layer.scopedDiscard(
    Effect.acquireRelease(
      Effect.promise(() => mkdir(dataDir, { recursive: true })).pipe(
        Effect.zipRight(tryCreate(lockFile(dataDir), 0)),
        Effect.mapError(({ holder }) => new DataDirLocked({ dataDir, holder }))
      ),
      () =>
        Effect.sync(() => {
          // Only our own lock is removed, never one a later owner took over.
          if (readHolder(lockFile(dataDir))?.pid === process.pid) unlinkSync(lockFile(dataDir))
        }).pipe(Effect.ignore)
    )
  )
