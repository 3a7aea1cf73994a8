"""The synthetic ``demo`` mission, generated and imported on first use (``serve --demo``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import services
from .importer import ImportReport
from .models import DefaultContext

DEMO = "demo"


def ensure_demo(seed: int = 0) -> ImportReport | None:
    """Generate the demo mission and import it, unless the catalog already has it."""
    if DefaultContext.objects.filter(observatory=DEMO).exists():
        return None
    from opencrds.observatories.demo import generate_demo_mission

    with tempfile.TemporaryDirectory(prefix="opencrds-demo-") as tmp:
        mission = generate_demo_mission(Path(tmp), seed=seed)
        return services.import_cache(mission.root, mission.observatory,
                                     user="opencrds serve --demo")
