-- Retention walks the events in arrival order (seq) and stops at the first one young enough to
-- keep, so it no longer needs this index, which every stored callback had to update.
DROP INDEX IF EXISTS events_received_at;
