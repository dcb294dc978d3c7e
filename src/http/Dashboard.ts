import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect, Layer } from "effect"
import { existsSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * `GET /` and `GET /dashboard`: the operators' page, served with its assets by this server and
 * nothing from the network (the charts' library comes from our own node_modules). The page's
 * files live in `dashboard/` next to this module and are read once at start. The page needs no
 * secret to load; its data does, and it keeps the secret in the tab's sessionStorage. The
 * Content-Security-Policy lets only these files run or style the page, and the scripts write
 * values with textContent, so nothing an API returns can run as code.
 */

const ownFiles = ["index.html", "dashboard.css", "app.js", "api.js", "charts.js", "conversations.js", "dom.js", "executions.js", "player.js"]

const contentTypes: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8"
}

// Beside this module: src/http/dashboard in the sources, dist/dashboard beside the bundled
// dist/Main.js (the build copies them there); failing that, in src/ from the package's root upwards.
const pageDirectory = (): string => {
  const here = dirname(fileURLToPath(import.meta.url))
  const besides = join(here, "dashboard")
  if (existsSync(join(besides, "index.html"))) return besides
  for (let dir = here; dirname(dir) !== dir; dir = dirname(dir)) {
    const inSources = join(dir, "src", "http", "dashboard")
    if (existsSync(join(inSources, "index.html"))) return inSources
  }
  return besides
}

// Chart.js's package exports only its module entry; its UMD build sits next to it in dist/.
const chartLibrary = () => join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js")

const securityHeaders = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer"
}

interface Asset {
  readonly path: `/${string}`
  readonly body: string
  readonly contentType: string
}

const loadAssets = Effect.tryPromise({
  try: async (): Promise<ReadonlyArray<Asset>> => {
    const dir = pageDirectory()
    const own = await Promise.all(ownFiles.map(async (name): Promise<Asset> => ({
      path: `/dashboard/assets/${name}`,
      body: await readFile(join(dir, name), "utf8"),
      contentType: contentTypes[name.split(".").pop() ?? ""] ?? "application/octet-stream"
    })))
    const chart: Asset = { path: "/dashboard/assets/chart.umd.min.js", body: await readFile(chartLibrary(), "utf8"), contentType: contentTypes["js"] ?? "" }
    return [...own, chart]
  },
  catch: (error) => new Error(`The dashboard's files could not be read: ${String(error)}`)
}).pipe(Effect.orDie)

const respond = (asset: Asset, cacheControl: string) =>
  Effect.succeed(
    HttpServerResponse.text(asset.body, { contentType: asset.contentType }).pipe(
      HttpServerResponse.setHeaders({ ...securityHeaders, "cache-control": cacheControl })
    )
  )

/** The page and its assets, next to the API (like /docs), outside the OpenAPI document. */
export const DashboardLive = Layer.unwrapEffect(Effect.map(loadAssets, (assets) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      for (const asset of assets) {
        if (asset.path.endsWith("/index.html")) {
          const page = respond(asset, "no-store")
          yield* router.get("/", page)
          yield* router.get("/dashboard", page)
        } else {
          // Revalidated each time: a restarted service with a new page must not run old scripts.
          yield* router.get(asset.path, respond(asset, "no-cache"))
        }
      }
    })
  )))
