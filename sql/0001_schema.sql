-- aftertalk schema, version 1. Forward-only: later changes go into new numbered files.
-- Runs unchanged on PostgreSQL 15+ with pgvector and on PGlite (PostgreSQL in WASM).
-- {{embedding_dimensions}} is replaced by the migration loader with EMBEDDING_DIMENSIONS.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE users (
  id uuid PRIMARY KEY,
  display_name text,
  timezone text NOT NULL DEFAULT 'UTC',
  game_status text NOT NULL DEFAULT 'active'
    CHECK (game_status IN ('active', 'boss_fight', 'game_over', 'won')),
  chapter integer NOT NULL DEFAULT 1 CHECK (chapter BETWEEN 1 AND 5),
  relationship_score double precision NOT NULL DEFAULT 50
    CHECK (relationship_score BETWEEN 0 AND 100),
  engagement_state text NOT NULL DEFAULT 'calibrating'
    CHECK (engagement_state IN ('calibrating', 'in_zone', 'drifting', 'distant', 'clingy', 'out_of_zone')),
  boss_attempts integer NOT NULL DEFAULT 0 CHECK (boss_attempts >= 0),
  vulnerability_exchanges integer NOT NULL DEFAULT 0 CHECK (vulnerability_exchanges >= 0),
  last_interaction_at timestamptz,
  -- Decay bookkeeping: hours of inactivity after decay_anchor_at that were already deducted,
  -- so that every hour is deducted once however often the decay task runs.
  decay_anchor_at timestamptz,
  decay_hours_deducted integer NOT NULL DEFAULT 0 CHECK (decay_hours_deducted >= 0),
  conflict_temperature double precision NOT NULL DEFAULT 0
    CHECK (conflict_temperature BETWEEN 0 AND 100),
  conflict_updated_at timestamptz,
  conflict_critical_since timestamptz,
  -- Per-user serialization: the pipeline run holding this lease is the only one for the user.
  pipeline_lease_owner text,
  pipeline_lease_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_metrics (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  intimacy double precision NOT NULL DEFAULT 50 CHECK (intimacy BETWEEN 0 AND 100),
  passion double precision NOT NULL DEFAULT 50 CHECK (passion BETWEEN 0 AND 100),
  trust double precision NOT NULL DEFAULT 50 CHECK (trust BETWEEN 0 AND 100),
  secureness double precision NOT NULL DEFAULT 50 CHECK (secureness BETWEEN 0 AND 100),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  platform text NOT NULL CHECK (platform IN ('text', 'voice')),
  -- The voice call id of ElevenLabs; NULL for text conversations.
  external_id text,
  status text NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'queued', 'processing', 'processed', 'failed')),
  message_count integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
  started_at timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  processing_attempts integer NOT NULL DEFAULT 0 CHECK (processing_attempts >= 0),
  lease_owner text,
  lease_expires_at timestamptz,
  next_attempt_at timestamptz,
  last_error text,
  summary text,
  emotional_tone text CHECK (emotional_tone IN ('positive', 'neutral', 'negative', 'mixed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'processing' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);
CREATE UNIQUE INDEX conversations_voice_call ON conversations (platform, external_id)
  WHERE external_id IS NOT NULL;
-- A user has at most one open conversation per platform; new messages join it.
CREATE UNIQUE INDEX conversations_open ON conversations (user_id, platform) WHERE status = 'active';
-- The claim query's three sources of work.
CREATE INDEX conversations_stale_active ON conversations (last_message_at) WHERE status = 'active';
CREATE INDEX conversations_due_queued ON conversations (next_attempt_at) WHERE status = 'queued';
CREATE INDEX conversations_expired_lease ON conversations (lease_expires_at) WHERE status = 'processing';
CREATE INDEX conversations_by_user ON conversations (user_id, last_message_at DESC);

CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 1),
  role text NOT NULL CHECK (role IN ('user', 'nikita')),
  content text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 10000),
  sent_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (conversation_id, seq)
);

-- The validated output of the extraction stage, kept so that a re-run of the same conversation
-- works from the same facts and deltas (the model is not deterministic; the pipeline must be).
CREATE TABLE conversation_extractions (
  conversation_id uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
  extraction jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memory_facts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
  fact text NOT NULL CHECK (char_length(fact) BETWEEN 1 AND 2000),
  normalized_fact text NOT NULL,
  graph_type text NOT NULL CHECK (graph_type IN ('user', 'relationship', 'nikita')),
  embedding vector({{embedding_dimensions}}),
  is_active boolean NOT NULL DEFAULT true,
  superseded_by uuid REFERENCES memory_facts (id),
  confidence double precision NOT NULL DEFAULT 0.85 CHECK (confidence BETWEEN 0 AND 1),
  source text NOT NULL DEFAULT 'pipeline_extraction',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- An identical active fact is never stored twice (re-runs included).
CREATE UNIQUE INDEX memory_facts_active_unique ON memory_facts (user_id, normalized_fact) WHERE is_active;
CREATE INDEX memory_facts_by_user ON memory_facts (user_id, graph_type) WHERE is_active;
CREATE INDEX memory_facts_missing_embedding ON memory_facts (id) WHERE embedding IS NULL;
CREATE INDEX memory_facts_embedding ON memory_facts USING hnsw (embedding vector_cosine_ops);

CREATE TABLE conversation_threads (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  topic text NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (conversation_id, topic)
);
CREATE INDEX conversation_threads_open ON conversation_threads (user_id, created_at DESC) WHERE status = 'open';

CREATE TABLE nikita_thoughts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  content text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (conversation_id, content)
);
CREATE INDEX nikita_thoughts_by_user ON nikita_thoughts (user_id, created_at DESC);

CREATE TABLE life_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  event_date date NOT NULL,
  time_slot text NOT NULL CHECK (time_slot IN ('morning', 'afternoon', 'evening', 'night')),
  domain text NOT NULL CHECK (domain IN ('work', 'social', 'personal')),
  description text NOT NULL,
  importance double precision NOT NULL CHECK (importance BETWEEN 0 AND 1),
  valence_delta double precision NOT NULL CHECK (valence_delta BETWEEN -1 AND 1),
  arousal_delta double precision NOT NULL CHECK (arousal_delta BETWEEN -1 AND 1),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, event_date, time_slot)
);

-- Nikita's emotional state history: one row per processed conversation (a re-run replaces it).
CREATE TABLE emotional_states (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
  arousal double precision NOT NULL CHECK (arousal BETWEEN 0 AND 1),
  valence double precision NOT NULL CHECK (valence BETWEEN 0 AND 1),
  dominance double precision NOT NULL CHECK (dominance BETWEEN 0 AND 1),
  intimacy double precision NOT NULL CHECK (intimacy BETWEEN 0 AND 1),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX emotional_states_per_conversation ON emotional_states (conversation_id)
  WHERE conversation_id IS NOT NULL;
CREATE INDEX emotional_states_by_user ON emotional_states (user_id, created_at DESC);

-- Score changes: one row per conversation (a re-run applies nothing twice) or per decay run.
CREATE TABLE score_history (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
  source text NOT NULL CHECK (source IN ('conversation', 'decay')),
  score_before double precision NOT NULL,
  score_after double precision NOT NULL,
  metric_changes jsonb NOT NULL DEFAULT '{}'::jsonb,
  events jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX score_history_per_conversation ON score_history (conversation_id)
  WHERE conversation_id IS NOT NULL;
CREATE INDEX score_history_by_user ON score_history (user_id, created_at DESC);

-- Conflict updates: one per conversation, so a re-run does not heat or cool twice.
CREATE TABLE conflict_history (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid NOT NULL UNIQUE REFERENCES conversations (id) ON DELETE CASCADE,
  temperature_before double precision NOT NULL,
  temperature_after double precision NOT NULL,
  zone text NOT NULL CHECK (zone IN ('calm', 'warm', 'hot', 'critical')),
  events jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scheduled_touchpoints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid UNIQUE REFERENCES conversations (id) ON DELETE SET NULL,
  trigger_type text NOT NULL CHECK (trigger_type IN ('gap', 'event', 'time')),
  trigger_context jsonb NOT NULL DEFAULT '{}'::jsonb,
  deliver_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'cancelled')),
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scheduled_touchpoints_by_user ON scheduled_touchpoints (user_id, created_at DESC);

CREATE TABLE daily_summaries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  summary_date date NOT NULL,
  -- The conversations counted, so that a re-run never counts one twice.
  conversation_ids uuid[] NOT NULL DEFAULT '{}',
  conversation_count integer NOT NULL DEFAULT 0 CHECK (conversation_count >= 0),
  score_start double precision NOT NULL,
  score_end double precision NOT NULL,
  key_moments jsonb NOT NULL DEFAULT '[]'::jsonb,
  tone_counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  dominant_tone text CHECK (dominant_tone IN ('positive', 'neutral', 'negative', 'mixed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, summary_date)
);

CREATE TABLE ready_prompts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  platform text NOT NULL CHECK (platform IN ('text', 'voice')),
  prompt_text text NOT NULL,
  token_count integer NOT NULL CHECK (token_count >= 0),
  pipeline_version text NOT NULL,
  generation_time_ms integer NOT NULL CHECK (generation_time_ms >= 0),
  conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
  context_snapshot jsonb NOT NULL DEFAULT '{}'::jsonb,
  is_current boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ready_prompts_current ON ready_prompts (user_id, platform) WHERE is_current;

CREATE TABLE pipeline_executions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  trigger text NOT NULL CHECK (trigger IN ('stream', 'http_sync', 'http_async', 'task', 'webhook')),
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'processing', 'success', 'partial_success', 'failed')),
  current_stage text,
  stage_results jsonb NOT NULL DEFAULT '{}'::jsonb,
  attempt integer NOT NULL DEFAULT 1,
  instance_id text,
  error text,
  failed_stage text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz,
  total_duration_ms integer
);
CREATE INDEX pipeline_executions_recent ON pipeline_executions (created_at DESC);
CREATE INDEX pipeline_executions_by_conversation ON pipeline_executions (conversation_id, created_at DESC);
CREATE INDEX pipeline_executions_running ON pipeline_executions (conversation_id)
  WHERE status IN ('queued', 'processing');

CREATE TABLE task_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task text NOT NULL CHECK (task IN ('process_conversations', 'decay')),
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'success', 'failed')),
  instance_id text,
  result jsonb NOT NULL DEFAULT '{}'::jsonb,
  error text,
  started_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX task_runs_recent ON task_runs (task, started_at DESC);
