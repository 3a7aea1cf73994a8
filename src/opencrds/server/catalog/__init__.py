"""The catalog: a record per file, context history, default/build/remote contexts, audit log.

* :mod:`.models` — the tables; :mod:`.queries` — read-side lookups;
* :mod:`.services` — every change of state (one function each: atomic, audited, bumping the
  catalog revision); :mod:`.importer` and :mod:`.datasets` — what imports read and write;
* :mod:`.contexts` — resolving context specifications and loading mappings;
* :mod:`.filestore` — the one interface to the stored files;
* :mod:`.revision_cache` — values derived from the catalog, kept per catalog revision;
* :mod:`.errors` — the domain errors (``CrdsError`` subclasses), named for clients by
  :mod:`opencrds.server.rpc.errors`.
"""
