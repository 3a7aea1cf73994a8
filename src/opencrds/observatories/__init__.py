"""Observatory conventions: HST, JWST, Roman, TOBS and missions defined by data.

Importing this package registers every known observatory with the rules engine.
"""

from ..rules.conventions import conventions_for, register
from .hst import HstConventions
from .jwst import JwstConventions
from .roman import RomanConventions
from .tobs import TobsConventions

for _conventions in (HstConventions(), JwstConventions(), RomanConventions(), TobsConventions()):
    register(_conventions)

__all__ = [
    "HstConventions",
    "JwstConventions",
    "RomanConventions",
    "TobsConventions",
    "conventions_for",
]
