"""Row types generated from the migrated schema, and the table and column registry."""
