-- Staging keys sort byte by byte (the "C" collation), whatever the database's collation: a full
-- sync reads its staged members back in pages by key and hands them to the store's streamed
-- apply, which takes pages sorted by userid in byte order (Rust's `str` order, SQLite's BINARY).
-- With the column collated "C", `ORDER BY key` and `key > $n` use the primary-key index in that
-- order. (SQLite compares TEXT bytewise already: no SQLite migration.)
ALTER TABLE contact_sync_staging ALTER COLUMN key TYPE TEXT COLLATE "C";
