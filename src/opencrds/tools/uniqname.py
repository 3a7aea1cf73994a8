"""``opencrds uniqname``: rename HST references to unique CDBS-style names (TOOLS.md §2.15).

The new name is the timestamp name of generation.naming.hst_unique_name (UTC now, the
instrument letter from INSTRUME, the original suffix and extension), as deliveries name HST
references. Names made in one run are kept distinct by stepping the time 2 s instead of
sleeping. Each bad file gives one ERROR and the run goes on; the exit status is the error
count.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil

from ..generation.naming import hst_suffix, hst_unique_name
from .checksum import local_path
from .common import count, log, one_line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds uniqname``."""
    parser.add_argument("--files", nargs="+", metavar="FILE", required=True,
                        help="HST reference files to rename (bare name = current directory)")
    parser.add_argument("--dry-run", action="store_true",
                        help="only print the new names")
    parser.add_argument("-a", "--add-checksum", action="store_true",
                        help="write FITS checksums (otherwise they are removed on change)")
    parser.add_argument("-f", "--add-keywords", action="store_true",
                        help="set FILENAME and ROOTNAME, add a HISTORY rename line")
    parser.add_argument("-e", "--verify-file", action="store_true",
                        help="FITS-verify the file (fix and warn) before rewriting")
    parser.add_argument("-s", "--standard", action="store_true",
                        help="same as --add-keywords --verify-file")
    parser.add_argument("-r", "--remove-original", action="store_true",
                        help="delete the original file after renaming")
    parser.add_argument("-o", "--output-path", metavar="DIR",
                        help="directory for the renamed files (default: the original's)")
    parser.add_argument("-b", "--brief", action="store_true",
                        help="show basenames instead of paths")
    parser.add_argument("--fits-errors", action="store_true",
                        help="FITS verification problems become errors")


def new_name(path: str, when: datetime.datetime, taken: set[str] | None = None) -> str:
    """The unique name of ``path`` at time ``when`` (not one of ``taken``, which gets it)."""
    from astropy.io import fits

    suffix, ext = hst_suffix(path)
    instrument = str(fits.getval(path, "INSTRUME", ext=0)).strip().lower()
    return hst_unique_name(when, instrument, suffix, ext, taken)


def rewrite(path: str, new_path: str, args: argparse.Namespace) -> None:
    """Write ``new_path`` from ``path`` with the requested header changes."""
    from astropy.io import fits

    shutil.copyfile(path, new_path)
    if not (args.add_keywords or args.verify_file or args.add_checksum):
        return
    old_base, new_base = os.path.basename(path), os.path.basename(new_path)
    with fits.open(new_path, mode="update",
                   output_verify="exception" if args.fits_errors else "silentfix") as hdus:
        if args.verify_file:
            hdus.verify("exception" if args.fits_errors else "fix+warn")
        if args.add_keywords:
            header = hdus[0].header
            header["FILENAME"] = new_base
            header["ROOTNAME"] = os.path.splitext(new_base)[0].upper()
            today = datetime.datetime.now().strftime("%b %d %Y").replace(" 0", " ")
            header.add_history(f"{old_base} renamed to {new_base} on {today}")
        for hdu in hdus:
            if args.add_checksum:
                hdu.add_checksum()
            else:
                for keyword in ("CHECKSUM", "DATASUM"):
                    hdu.header.remove(keyword, ignore_missing=True)


def run(args: argparse.Namespace) -> int:
    """Rename every file; return the number of errors."""
    if args.standard:
        args.add_keywords = args.verify_file = True
    when = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    used: set[str] = set()
    for name in args.files:
        path = local_path(name)
        try:
            new = new_name(path, when, used)
            new_path = os.path.join(args.output_path or os.path.dirname(path), new)
            shown = (os.path.basename(path), new) if args.brief else (path, new_path)
            if args.dry_run:
                log.info("Would rename '%s' --> '%s'", *shown)
                continue
            log.info("Rewriting '%s' --> '%s'", *shown)
            rewrite(path, new_path, args)
            if args.remove_original:
                os.remove(path)
        except Exception as exc:
            if getattr(args, "debug_traceback", False):
                raise
            log.error("Failed renaming '%s' : %s", path, one_line(exc))
    return count("ERROR")
