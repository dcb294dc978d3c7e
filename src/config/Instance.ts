import { Effect, Option } from "effect"
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import { AppConfig } from "./AppConfig.js"

/** This process's name in leases and executions: INSTANCE_ID, or host, pid and a random suffix. */
export class Instance extends Effect.Service<Instance>()("aftertalk/Instance", {
  effect: Effect.map(AppConfig, (config) => ({
    id: Option.getOrElse(config.instanceId, () => `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`)
  })),
  dependencies: [AppConfig.Default]
}) {}
