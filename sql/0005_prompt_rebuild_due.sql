-- Set when inactivity decay moves a player's score into another band: their ready prompts were
-- built for the old band and are due for a rebuild. Cleared when the pipeline builds new ones.
ALTER TABLE users ADD COLUMN IF NOT EXISTS prompt_rebuild_due_since timestamptz;

-- force_reprocess takes a conversation's conflict change back: it needs the cooling clock as the
-- conversation found it, not only the temperature.
ALTER TABLE conflict_history ADD COLUMN IF NOT EXISTS updated_at_before timestamptz;
ALTER TABLE conflict_history ADD COLUMN IF NOT EXISTS critical_since_before timestamptz;

-- ... and the player's columns a conversation's score change sets besides the score (status,
-- chapter, boss attempts, engagement, vulnerability exchanges), as it found them.
ALTER TABLE score_history ADD COLUMN IF NOT EXISTS player_before jsonb;
