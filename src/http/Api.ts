import { HttpApi, OpenApi } from "@effect/platform"
import { InternalError, InvalidRequest, NotFound, PayloadTooLarge } from "./Errors.js"
import { ConversationsApi } from "./groups/Conversations.js"
import { ExecutionsApi } from "./groups/Executions.js"
import { HealthApi } from "./groups/Health.js"
import { MemoryApi } from "./groups/Memory.js"
import { PipelineApi } from "./groups/Pipeline.js"
import { TasksApi } from "./groups/Tasks.js"
import { UsersApi } from "./groups/Users.js"
import { VoiceApi } from "./groups/Voice.js"
import { declareInvalidRequest } from "./OperationDocs.js"

/**
 * The whole HTTP contract of API.md, one group per file under `groups/`. To add a group: define
 * it there (with `.middleware(Authorization)` unless it is public), `.add` it below, and give it a
 * handlers layer under `handlers/` that `ApiLive` (Server.ts) provides.
 *
 * The errors added here can come from any endpoint: the edge middleware (EdgeMiddleware.ts)
 * turns malformed requests, oversized bodies, unknown routes and defects into them.
 */
export class Api extends HttpApi.make("aftertalk")
  .add(UsersApi)
  .add(ConversationsApi)
  .add(HealthApi)
  .add(PipelineApi)
  .add(ExecutionsApi)
  .add(TasksApi)
  .add(MemoryApi)
  .add(VoiceApi)
  .addError(InvalidRequest)
  .addError(PayloadTooLarge)
  .addError(NotFound)
  .addError(InternalError)
  .annotate(OpenApi.Title, "aftertalk")
  .annotate(OpenApi.Description, "The post-conversation pipeline of Nikita")
  .annotate(OpenApi.Transform, declareInvalidRequest)
{}
