/**
 * The pipeline's nine stages in the order they run (DOMAIN.md), as the API lists them. Kept in
 * game/ (pure) so the run records in runs/ and the pipeline share one list without runs/
 * depending on the pipeline.
 */
export const stageNames = [
  "extraction",
  "memory_update",
  "life_sim",
  "emotional",
  "game_state",
  "conflict",
  "touchpoint",
  "summary",
  "prompt_builder"
] as const
export type StageName = (typeof stageNames)[number]

/**
 * The stages whose failure stops the run: the one place criticality is stated. They run first,
 * so every later stage can rely on their outputs.
 */
export const criticalStageNames = ["extraction", "memory_update"] as const
export type CriticalStageName = (typeof criticalStageNames)[number]
export type RecoverableStageName = Exclude<StageName, CriticalStageName>

export const isCritical = (stage: StageName): stage is CriticalStageName =>
  criticalStageNames.some((critical) => critical === stage)
