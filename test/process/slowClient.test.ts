import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { connect, type Socket } from "node:net"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { startService } from "../support/ServiceProcess.js"
import { taskSecret } from "./support.js"

/**
 * A client dripping a request body one byte at a time once kept a stopping instance alive for a
 * minute (Node's `close` waits for every connection). After SIGTERM the process must exit within
 * SHUTDOWN_GRACE plus a few seconds whatever its clients do.
 */

const grace = 2

/** A socket the server has surely accepted: it answered a first request on it, then the body drips. */
const drippingClient = (url: string, userId: string) =>
  Effect.acquireRelease(
    Effect.async<Socket>((resume) => {
      const { hostname, port } = new URL(url)
      const socket = connect(Number(port), hostname)
      socket.setEncoding("utf8")
      let answered = false
      socket.on("data", (chunk: string) => {
        if (answered || !chunk.startsWith("HTTP/1.1 ")) return
        answered = true
        socket.write(
          `POST /users/${userId}/messages HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${taskSecret}\r\n` +
            "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"platform\":\"text\",\"content\":\""
        )
        const drip = setInterval(() => socket.write("a"), 200)
        socket.once("close", () => clearInterval(drip))
        resume(Effect.succeed(socket))
      })
      socket.on("error", () => undefined)
      socket.write(`GET /pipeline/health HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`)
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

describe.skipIf(!postgresAvailable)("bounded shutdown", () => {
  it.scopedLive("a client dripping a request body cannot keep a stopping instance alive past SHUTDOWN_GRACE", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const service = yield* startService("instance", {
        DATABASE_URL: url,
        TASK_SECRET: taskSecret,
        SHUTDOWN_GRACE: `${grace} seconds`,
        // Long enough that only the shutdown can end the drip within this test.
        HTTP_REQUEST_TIMEOUT: "5 minutes",
        HTTP_HEADERS_TIMEOUT: "5 minutes"
      }, { readyWithin: "90 seconds" })
      const userId = randomUUID()
      expect((yield* service.send("PUT", `/users/${userId}`, { body: {}, secret: taskSecret })).status).toBe(201)
      const socket = yield* drippingClient(service.url, userId)

      const start = yield* Clock.currentTimeMillis
      const exit = yield* service.stop("SIGTERM", `${grace + 6} seconds`)
      const tookMs = (yield* Clock.currentTimeMillis) - start
      console.log(`slow-body client: exit ${JSON.stringify(exit)} ${tookMs} ms after SIGTERM (grace ${grace} s)`)

      expect(exit).toEqual({ code: 0, signal: null })
      expect(socket.destroyed || socket.readableEnded).toBe(true)
    }), 60_000)
})
