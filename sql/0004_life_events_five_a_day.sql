-- DOMAIN.md allows up to 5 life events a day across four time slots, so a slot may hold two.
-- One generation per user and day is kept by the writer's advisory lock (LifeEventRepository),
-- not by a per-slot unique constraint.
ALTER TABLE life_events DROP CONSTRAINT IF EXISTS life_events_user_id_event_date_time_slot_key;
CREATE INDEX IF NOT EXISTS life_events_by_day ON life_events (user_id, event_date);
