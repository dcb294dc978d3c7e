import { describe, expect, it } from "@effect/vitest"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"

/**
 * No Docker engine runs here, so the image is checked by what can be read: every COPY source
 * exists and is not excluded by .dockerignore, the base is node 20, the runtime user is not root,
 * the health check asks the readiness probe, and the command runs what `npm run build` produces.
 * The built entry itself is started by test/process/startup.test.ts.
 */

const root = join(import.meta.dirname, "..")
const read = (file: string) => readFileSync(join(root, file), "utf8")
const dockerfile = read("Dockerfile")
const instructions = dockerfile.split("\n").filter((line) => /^[A-Z]+ /.test(line))
const ignored = read(".dockerignore").split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"))

describe("the Dockerfile", () => {
  it("copies only files that exist in the build context", () => {
    const sources = instructions
      .filter((line) => line.startsWith("COPY ") && !line.includes("--from="))
      .flatMap((line) => line.split(/\s+/).slice(1, -1))
    expect(sources.length).toBeGreaterThan(0)
    for (const source of sources) {
      expect(existsSync(join(root, source)), source).toBe(true)
      expect(ignored.includes(source.replace(/\/$/, "")), `${source} is in .dockerignore`).toBe(false)
    }
  })

  it("builds on node 20 in two stages and runs as an unprivileged user", () => {
    const bases = instructions.filter((line) => line.startsWith("FROM "))
    expect(bases.length).toBeGreaterThanOrEqual(2)
    for (const base of bases) expect(base).toMatch(/^FROM node:20/)
    const user = instructions.filter((line) => line.startsWith("USER ")).at(-1)
    expect(user).toBeDefined()
    expect(user).not.toMatch(/USER (root|0)\b/)
  })

  it("checks health on /readyz and starts the file the build produces", () => {
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/readyz/)
    const cmd = instructions.find((line) => line.startsWith("CMD "))
    const args: Array<string> = JSON.parse(cmd?.slice(4) ?? "[]")
    const entry = args.find((arg) => arg.startsWith("dist/"))
    expect(entry).toBe("dist/Main.js")
    // `npm run build` (scripts/build.mjs) bundles src/Main.ts into dist/Main.js, and the build
    // stage copies that script.
    const pkg = JSON.parse(read("package.json"))
    expect(pkg.scripts.build).toBe("node scripts/build.mjs")
    const script = read("scripts/build.mjs")
    expect(script).toMatch(/entryPoints: \[join\(root, "src", "Main\.ts"\)\]/)
    expect(script).toMatch(/outfile: join\(dist, "Main\.js"\)/)
    expect(existsSync(join(root, "src", "Main.ts"))).toBe(true)
    expect(instructions).toContain("COPY scripts/build.mjs ./scripts/")
  })

  it("npm start runs node on the build, and tsx is only a development dependency", () => {
    const pkg = JSON.parse(read("package.json"))
    expect(pkg.scripts.start).toMatch(/^node .*dist\/Main\.js serve$/)
    expect(pkg.scripts.prepare).toBe("npm run build")
    expect(pkg.dependencies.tsx).toBeUndefined()
    expect(pkg.devDependencies.tsx).toBeDefined()
    expect(pkg.bin.aftertalk).toBe("dist/Main.js")
  })
})
