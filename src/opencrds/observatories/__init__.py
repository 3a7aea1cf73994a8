"""Observatory conventions: HST, JWST, Roman, TOBS and missions defined by data.

Importing this package registers every known observatory with the rules engine;
:func:`registered_observatories` names them all (built-in and defined by data).
"""

from ..rules.conventions import conventions_for, register, registered_observatories
from .generic import DefinedConventions, register_definitions, register_from_environment
from .hst import HstConventions
from .jwst import JwstConventions
from .roman import RomanConventions
from .tobs import TobsConventions

for _conventions in (HstConventions(), JwstConventions(), RomanConventions(), TobsConventions()):
    register(_conventions)

# Missions defined only by data, named by $OPENCRDS_DEFINITIONS_PATH (registered after the
# built-in ones, so a definitions directory may replace them).
register_from_environment()

__all__ = [
    "DefinedConventions",
    "HstConventions",
    "JwstConventions",
    "RomanConventions",
    "TobsConventions",
    "conventions_for",
    "register_definitions",
    "registered_observatories",
]
