import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { gunzipSync } from "node:zlib"
import { postgresAvailable } from "../support/Db.js"
import { TestApp, testTaskSecret } from "../support/TestApp.js"

const get = (path: string, headers: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(HttpClientRequest.get(path).pipe(HttpClientRequest.setHeaders(headers)))
    return { status: response.status, headers: response.headers, bytes: new Uint8Array(yield* response.arrayBuffer) }
  })

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe.skipIf(!postgresAvailable)("operator dashboard", () => {
  layer(TestApp(), { excludeTestServices: true })((it) => {
    it.effect("GET / and /dashboard: the page without a secret, its own assets only, and a strict CSP", () =>
      Effect.gen(function*() {
        for (const path of ["/", "/dashboard"]) {
          const page = yield* get(path)
          expect(page.status).toBe(200)
          expect(page.headers["content-type"]).toContain("text/html")
          const html = text(page.bytes)
          // Nothing from the network, and nothing inline that could run.
          expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//)
          expect(html).not.toMatch(/<script>|\son[a-z]+=/i)
          expect(html).not.toContain(testTaskSecret)
          expect(page.headers["content-security-policy"]).toContain("default-src 'none'; script-src 'self'; style-src 'self'")
        }
        const html = text((yield* get("/dashboard")).bytes)
        const assets = Array.from(html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g), (match) => match[1] ?? "")
        expect(assets).toEqual(expect.arrayContaining(["/dashboard/assets/chart.umd.min.js", "/dashboard/assets/app.js", "/dashboard/assets/dashboard.css"]))
        for (const asset of assets) expect((yield* get(asset)).status, asset).toBe(200)
        // The page's modules import each other; every one of them is served.
        const app = text((yield* get("/dashboard/assets/app.js")).bytes)
        for (const match of app.matchAll(/from "\.\/([a-z]+\.js)"/g)) {
          expect((yield* get(`/dashboard/assets/${match[1]}`)).status, match[1]).toBe(200)
        }
        // The secret is kept for the tab only.
        expect(text((yield* get("/dashboard/assets/api.js")).bytes)).toContain("sessionStorage")
      }))

    it.effect("the pages are gzipped for a browser that accepts it, and plain for one that does not", () =>
      Effect.gen(function*() {
        for (const path of ["/docs", "/dashboard/assets/chart.umd.min.js", "/openapi.json"]) {
          const plain = yield* get(path)
          const zipped = yield* get(path, { "accept-encoding": "gzip, deflate, br" })
          expect(plain.headers["content-encoding"], path).toBeUndefined()
          expect(zipped.headers["content-encoding"], path).toBe("gzip")
          expect(zipped.headers["vary"], path).toContain("accept-encoding")
          expect(zipped.bytes.length, path).toBeLessThan(plain.bytes.length / 2)
          expect(text(gunzipSync(zipped.bytes)), path).toBe(text(plain.bytes))
        }
        // API answers stay as they are.
        const health = yield* get("/pipeline/health", { "accept-encoding": "gzip" })
        expect(health.headers["content-encoding"]).toBeUndefined()
      }))
  })
})
