"""The demo (``serve --demo``): the made-up JWST-shaped mission of
:mod:`opencrds.observatories.demo`, generated and imported on first use, with what a cache
import cannot bring — its past deliveries (dated ``submit file`` audit entries), the build
contexts of three CAL versions and a few datasets for best references by dataset id."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.db import transaction

from opencrds.observatories import demo as mission_module

from . import services
from .errors import ImportFailed
from .importer import ImportReport
from .models import AuditEntry, DefaultContext

OBSERVATORY = mission_module.OBSERVATORY
DEMO_USER = "opencrds serve --demo"
_DONE = "import demo"


def is_demo_catalog() -> bool:
    """Whether the catalog's JWST is the demo (fully imported)."""
    return AuditEntry.objects.filter(observatory=OBSERVATORY, action=_DONE,
                                     user=DEMO_USER).exists()


def ensure_demo(seed: int = 0) -> ImportReport | None:
    """Generate the demo mission and import it, unless the catalog already has it. A catalog
    holding a real JWST import is refused (:class:`ImportFailed`): the demo's files would mix
    with the real ones, whose names they share."""
    if is_demo_catalog():
        return None
    if (DefaultContext.objects.filter(observatory=OBSERVATORY).exists()
            and not AuditEntry.objects.filter(observatory=OBSERVATORY, action="import cache",
                                              user=DEMO_USER).exists()):
        raise ImportFailed("this data folder holds a real JWST catalog: the demo (served as "
                           "'jwst') needs a data folder of its own (--home DIR)")
    with tempfile.TemporaryDirectory(prefix="opencrds-demo-") as tmp:
        mission = mission_module.generate_demo_mission(Path(tmp), seed=seed)
        report = services.import_cache(mission.root, OBSERVATORY, user=DEMO_USER)
    with transaction.atomic():
        add_demo_history(mission)
        services.audit(DEMO_USER, OBSERVATORY, _DONE, why="the demo's catalog is complete",
                       details=f"seed {seed}: {len(mission.contexts)} contexts, "
                               f"{len(mission.deliveries)} deliveries, "
                               f"{len(mission.samples)} datasets")
    return report


def add_demo_history(mission: mission_module.DemoMission) -> None:
    """Deliveries, build contexts and datasets of the demo, through the catalog services."""
    services.record_past_deliveries(OBSERVATORY, [
        services.PastDelivery(mission_module.history_date(d.date), d.user, d.description,
                              d.files) for d in mission.deliveries], user=DEMO_USER)
    *older, _banner = mission.build_contexts  # the import set the banner one (server_config)
    for calver, context in older:
        services.set_build_context(OBSERVATORY, calver, context, user=DEMO_USER,
                                   why=f"CAL {calver} was built with {context}")
    for sample in mission.samples:
        services.add_dataset_header(OBSERVATORY, sample.name, sample.header, user=DEMO_USER,
                                    source="demo")
