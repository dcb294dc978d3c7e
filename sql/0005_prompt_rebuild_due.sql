-- Set when inactivity decay moves a player's score into another band: their ready prompts were
-- built for the old band and are due for a rebuild. Cleared when the pipeline builds new ones.
ALTER TABLE users ADD COLUMN IF NOT EXISTS prompt_rebuild_due_since timestamptz;
