"""The catalog: a record per file, context history, default/build/remote contexts, audit log."""
