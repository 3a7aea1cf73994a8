"""What a sync fetches beyond the rules: references that datasets need
(``dataset_files``, ``dataset_ids``) and orphan references (``include_orphans``)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ..rules.errors import CrdsError
from .selection import all_pmaps

if TYPE_CHECKING:
    from ..protocol import ServerInfo
    from .sync import SyncOptions

log = logging.getLogger("opencrds")


class DatasetSources:
    """Mixed into the syncer, which supplies ``options``, ``client``, ``info``,
    ``observatory`` and ``error(message, *values)``."""

    options: SyncOptions
    client: Any
    info: ServerInfo
    observatory: str

    def error(self, message: str, *values: Any) -> None:
        raise NotImplementedError

    def has_datasets(self) -> bool:
        return self.options.dataset_files is not None or self.options.dataset_ids is not None

    def dataset_headers(self, contexts: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """{context: {dataset: header}} for --dataset-files and --dataset-ids."""
        from ..io import read_header
        from . import datasets

        options = self.options
        per_context: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in contexts}
        if options.dataset_files:
            for path in datasets.header_files(options.dataset_files):
                try:
                    header = read_header(path)
                except CrdsError as exc:
                    self.error("Failed reading dataset header of '%s': %s", path, exc)
                    continue
                for context in contexts:
                    per_context[context][path] = header
        if options.dataset_ids:
            try:
                ids = datasets.read_ids(options.dataset_ids)
            except CrdsError as exc:
                self.error("%s", exc)
                ids = []
            for context in contexts if ids else []:
                try:
                    headers, failures = datasets.fetch_dataset_headers(
                        ids, context, client=self.client,
                        per_rpc=datasets.ids_per_rpc(self.info))
                except CrdsError as exc:
                    self.error("Failed fetching dataset headers for %s under %r: %s",
                               ids, context, exc)
                    continue
                for dataset_id, message in sorted(failures.items()):
                    self.error("No header for dataset %r under %r: %s", dataset_id, context,
                               message)
                per_context[context].update(headers)
        return per_context

    def dataset_references(self, contexts: list[str]) -> list[str]:
        """The references the datasets need under each selected context."""
        from . import datasets
        from .contexts import load_context

        if not self.has_datasets() or not contexts:
            return []
        names: list[str] = []
        for context, headers in self.dataset_headers(contexts).items():
            if not headers:
                continue
            try:
                loaded = load_context(context)
            except CrdsError as exc:
                self.error("Failed loading context %r for dataset references: %s", context, exc)
                continue
            for dataset, header in headers.items():
                try:
                    found, failures = datasets.needed_references(loaded, header)
                except CrdsError as exc:
                    self.error("Failed computing best references for %r under %r: %s",
                               dataset, context, exc)
                    continue
                for filekind, message in sorted(failures.items()):
                    log.debug("No %s for %r under %r: %s", filekind, dataset, context, message)
                names.extend(n for n in found if n not in names)
        log.info("Datasets need %d references under %s", len(names), contexts)
        return sorted(names)

    def orphans(self, contexts: list[str]) -> list[str]:
        """References in the server catalog that no .pmap mentions (--include-orphans)."""

        options = self.options
        if not (options.include_orphans and contexts
                and (options.fetch_references or options.purge_references)):
            return []
        try:
            catalog = set(self.client.call("list_references", self.observatory, "*"))
        except CrdsError as exc:
            self.error("Failed listing orphan references: %s", exc)
            return []
        def named(pmap: str) -> list[str]:
            try:
                return list(self.client.call("get_reference_names", pmap))
            except CrdsError as exc:
                log.warning("Cannot list the references of %r, so they may count as orphans: "
                            "%s", pmap, exc)
                return []

        with ThreadPoolExecutor(max(1, options.jobs or 1)) as pool:
            for names in pool.map(named, all_pmaps(self.info)):
                catalog.difference_update(names)
        log.info("Including %d orphan references", len(catalog))
        return sorted(catalog)
