import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { postgresAvailable } from "../support/Db.js"
import { TestApp, testTaskSecret } from "../support/TestApp.js"

describe.skipIf(!postgresAvailable)("operator dashboard", () => {
  layer(TestApp(), { excludeTestServices: true })((it) => {
    it.effect("GET /dashboard: one self-contained HTML page without a secret, reading health and stats", () =>
      Effect.gen(function*() {
        const client = yield* HttpClient.HttpClient
        const response = yield* client.execute(HttpClientRequest.get("/dashboard"))
        const html = yield* response.text
        expect(response.status).toBe(200)
        expect(response.headers["content-type"]).toContain("text/html")
        expect(html).toContain("/pipeline/health")
        expect(html).toContain("/pipeline/stats/last-24h")
        // No external assets, and only the page's own script may run.
        expect(html).not.toMatch(/(src|href)=["']?https?:/)
        expect(response.headers["content-security-policy"]).toMatch(/default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'/)
        expect(html).not.toContain(testTaskSecret)
      }))
  })
})
