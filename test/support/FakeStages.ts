import { Duration, Effect, Option } from "effect"
import { type StagePlan, step } from "../../src/pipeline/PipelineStep.js"
import {
  criticalStage,
  isCritical,
  type PipelineRun,
  recoverableStage,
  type RecoverableStageName,
  type StageName,
  stageNames,
  type StageOutputs
} from "../../src/pipeline/Stage.js"

/**
 * Stand-ins for the nine stages, for tests of the orchestrator and the triggers: each does what
 * `act` says (succeed, fail, hang…) and hands on a neutral output, so no model or game rule runs.
 */

export const neutralOutputs: StageOutputs = {
  extraction: {
    facts: [], threads: [], thoughts: [], summary: "", emotional_tone: "neutral",
    metric_deltas: { intimacy: 0, passion: 0, trust: 0, secureness: 0 },
    signals: { horsemen: [], repair_attempt: "none", vulnerability_exchange: false }
  },
  memory_update: { inserted: 0, superseded: 0, unchanged: 0, withoutEmbedding: 0 },
  life_sim: [],
  emotional: { arousal: 0.5, valence: 0.5, dominance: 0.5, intimacy: 0.5 },
  game_state: {
    applied: true, scoreBefore: 50, scoreAfter: 50,
    metrics: { intimacy: 50, passion: 50, trust: 50, secureness: 50 }, chapter: 1, gameStatus: "active", events: []
  },
  conflict: { temperature: 0, zone: "calm", events: [] },
  touchpoint: Option.none(),
  summary: { summary: "" },
  prompt_builder: { text: { tokenCount: 1 }, voice: { tokenCount: 1 } }
}

/**
 * The stages doing `act`; a failure of `act` is the stage's typed error. `stages` picks the
 * recoverable ones that run (all seven by default); the two critical stages always run, since
 * every later stage relies on their outputs.
 */
export const stagesActing = <R = never>(
  act: (name: StageName, run: PipelineRun) => Effect.Effect<unknown, Error, R>,
  options: { readonly stages?: ReadonlyArray<StageName>; readonly timeout?: Duration.DurationInput } = {}
): StagePlan<R> => {
  const timeout = options.timeout ?? "20 seconds"
  const acting = <N extends StageName>(name: N) => (run: PipelineRun) => act(name, run).pipe(Effect.as(neutralOutputs[name]))
  const recoverable = (options.stages ?? stageNames).filter((name): name is RecoverableStageName => !isCritical(name))
  return {
    extraction: criticalStage({ name: "extraction", timeout, run: acting("extraction") }),
    memoryUpdate: criticalStage({ name: "memory_update", timeout, run: acting("memory_update") }),
    recoverable: recoverable.map((name) => step(recoverableStage({ name, timeout, run: acting(name) })))
  }
}
