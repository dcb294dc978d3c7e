-- Memory search is always for one player (the pipeline's supersede check and GET /users/{id}/memory):
-- an exact scan of that player's active facts through memory_facts_by_user, ordered by cosine
-- distance. Measured at 1,536 dimensions on 100,000 facts: the HNSW index with the per-user
-- filter returned too few results (iterative strict scan stopped after ~430 tuples; recall@10
-- 0.14 for a player with 2,000 facts), while the exact scan is complete by construction.
DROP INDEX IF EXISTS memory_facts_embedding;

-- A 1,536-dimension vector is 6 KB: over the default 2 KB threshold it went out of line, and the
-- exact scan paid one TOAST lookup per fact (~40 ms for 2,000 facts). Rows up to a full page now
-- keep their vector inline (~1 ms for 2,000 facts); larger ones (e.g. 3,072 dimensions) are still
-- moved out. Applies to rows written from now on.
ALTER TABLE memory_facts SET (toast_tuple_target = 8160);
