-- The claim reads its candidates from ordered partial indexes, each walked in due order and
-- stopped after a few rows, instead of aggregating the whole due set per player first.
-- Stale text conversations use conversations_stale_active (last_message_at) and expired leases
-- conversations_expired_lease (lease_expires_at); queued ones are due in this order (a NULL
-- next_attempt_at is due since the conversation was queued):
CREATE INDEX conversations_queued_due_order ON conversations ((coalesce(next_attempt_at, updated_at)), id)
  WHERE status = 'queued';
