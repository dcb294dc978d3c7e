import { Cause, Effect } from "effect"
import type { PipelineReport } from "../pipeline/PipelineReport.js"
import type { Trigger } from "../runs/ExecutionRepository.js"
import type { Claim, ConversationLeases } from "./ConversationLeases.js"
import type { PipelineRuns } from "./PipelineRuns.js"

/** How one claimed run ended, as the stream logs it and the task counts it. */
export type RunResult =
  | { readonly _tag: "Completed"; readonly report: PipelineReport }
  | { readonly _tag: "Failed"; readonly executionId: string; readonly reason: string }
  /** The database was lost mid-run, or a defect: the lease expires and the claim retries it. */
  | { readonly _tag: "Died" }
  /** The run lost its lease and stopped: the conversation is another run's now, or queued again. */
  | { readonly _tag: "Stopped" }

/**
 * Runs a conversation the caller claimed. A critical failure is an answer, not an error: the
 * run's end already put the conversation back (queued with backoff, or failed for good). A lost
 * database or a defect is logged here at error level because a run is the edge of the stream's
 * and the task's loops: one broken run must not stop the others. Interruption (shutdown) passes
 * through, after releasing the leases back to `queued` — the run's end does so too once its run
 * started; this covers the moment before, and is a no-op after (guarded by the owner token).
 */
export const runClaim = (
  deps: { readonly runs: PipelineRuns; readonly leases: ConversationLeases },
  claim: Claim,
  trigger: Trigger
): Effect.Effect<RunResult> =>
  deps.runs.runClaimed(claim, { trigger }).pipe(
    Effect.map((report): RunResult => ({ _tag: "Completed", report })),
    Effect.catchTags({
      PipelineFailed: (failed) =>
        Effect.logWarning("pipeline run failed; the conversation is queued again or failed for good").pipe(
          Effect.annotateLogs({ reason: failed.reason, fallback_action: failed.fallbackAction }),
          Effect.as<RunResult>({ _tag: "Failed", executionId: failed.executionId, reason: failed.reason })
        ),
      ConversationInProgress: () => Effect.succeed<RunResult>({ _tag: "Stopped" }),
      SqlError: (error) =>
        Effect.logError("pipeline run lost the database; its lease will expire and it will be claimed again", error).pipe(
          Effect.as<RunResult>({ _tag: "Died" })
        )
    }),
    Effect.catchAllDefect((defect) =>
      Effect.logError("pipeline run died; its lease will expire and it will be claimed again", Cause.die(defect)).pipe(
        Effect.as<RunResult>({ _tag: "Died" })
      )),
    Effect.onInterrupt(() =>
      deps.leases.release(claim, { _tag: "Interrupted" }).pipe(
        Effect.catchTag("SqlError", (error) => Effect.logWarning("could not release an interrupted run's leases", error))
      )),
    Effect.annotateLogs({ conversation_id: claim.conversationId, user_id: claim.userId, attempt: claim.attempt, trigger })
  )
