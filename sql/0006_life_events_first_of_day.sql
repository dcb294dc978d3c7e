-- One generation of Nikita's day per user and date, kept by the database itself: the first event
-- a generation stores is marked, and one mark per (user, date) is allowed. A writer inserts the
-- marked event first and the day's other events only if that insert went in, so two writers of
-- the same day never mix their days, in one statement, without a transaction's advisory lock.
ALTER TABLE life_events ADD COLUMN IF NOT EXISTS first_of_day boolean NOT NULL DEFAULT false;
-- The days stored before: their first event gets the mark.
UPDATE life_events SET first_of_day = true
WHERE id IN (
  SELECT DISTINCT ON (l.user_id, l.event_date) l.id FROM life_events l
  WHERE NOT EXISTS (SELECT 1 FROM life_events f WHERE f.user_id = l.user_id AND f.event_date = l.event_date AND f.first_of_day)
  ORDER BY l.user_id, l.event_date, l.created_at, l.id);
CREATE UNIQUE INDEX IF NOT EXISTS life_events_one_generation ON life_events (user_id, event_date) WHERE first_of_day;
