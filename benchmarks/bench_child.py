"""One measurement of bench_rules.py, run in a fresh interpreter (do not run by hand).

Usage: ``python bench_child.py SPEC.json``.  The spec names the tool (``crds`` or ``opencrds``),
the mode (``lookup`` or ``loadall``) and where to write the result JSON.  Only the standard
library is imported before the clock starts, so "cold" covers the library import as well.
"""

import time

T_ENTER = time.time()  # wall clock, compared with the parent's spawn time (interpreter start)

import hashlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


def _peak_rss_mib() -> float:
    """Peak resident memory of this process, in MiB.

    Linux keeps ``ru_maxrss`` across ``exec``, so a child started by a big parent (through
    vfork/posix_spawn) reports at least the parent's size; ``VmHWM`` (the high-water mark of
    this process's own address space) does not have that problem, so it is preferred.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return _ru_maxrss_mib()


def _ru_maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _import_tool(tool: str):
    """Import the library; return ``(load(name) -> context, version)``."""
    if tool == "crds":
        import crds

        return crds.get_cached_mapping, crds.__version__
    if tool == "opencrds":
        import opencrds

        def load(name: str, _cache=SPEC["cache"]):
            return opencrds.load_context(name, cache=_cache)

        return load, opencrds.__version__
    raise SystemExit(f"unknown tool {tool!r}")


def _force_load(tool: str, ctx) -> list:
    """Load every imap and rmap below the pipeline context ``ctx``; return them all.

    Both libraries load children lazily.  This asks each one for its loaded children through
    its own lazy accessor (crds: ``selections.normal_values()``, which is what crds's own
    ``mapping_names()`` and ``reference_names()`` use; opencrds: ``children()``), so both read,
    check, parse and build every mapping file and nothing else.
    """
    if tool == "crds":
        imaps = ctx.selections.normal_values()
        return imaps + [rmap for imap in imaps for rmap in imap.selections.normal_values()]
    imaps = ctx.children()
    return imaps + [rmap for imap in imaps for rmap in imap.children()]


def _plain(value):
    """A JSON-able form of a result; anything unusual (selector objects...) by repr."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return repr(value)


def _run_headers(ctx, headers):
    results = []
    append = results.append
    for header in headers:
        try:
            append(ctx.get_best_references(header, None))
        except Exception as exc:  # recorded, compared by class name and message
            append(("EXCEPTION", type(exc).__name__, str(exc)))
    return results


def lookup() -> dict:
    with open(SPEC["headers"], encoding="utf-8") as stream:
        data = json.load(stream)
    cold_headers, warm_headers = data["cold"], data["warm"]
    startup = T_ENTER - SPEC["spawn"]

    t0 = time.perf_counter()
    load, version = _import_tool(SPEC["tool"])
    t_import = time.perf_counter()
    ctx = load(SPEC["context"])
    t_load = time.perf_counter()
    cold_results = _run_headers(ctx, cold_headers)
    t_cold = time.perf_counter()
    rss_cold = _peak_rss_mib()

    profiler = None
    if SPEC.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t_warm0 = time.perf_counter()
    warm_results = _run_headers(ctx, warm_headers)
    t_warm = time.perf_counter()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(SPEC["profile"])

    return {
        "version": version,
        "startup_s": startup,
        "import_s": t_import - t0,
        "load_s": t_load - t_import,
        "cold_headers_s": t_cold - t_load,
        "cold_s": startup + (t_cold - t0),
        "warm_s": t_warm - t_warm0,
        "n_cold": len(cold_headers),
        "n_warm": len(warm_headers),
        "peak_rss_after_cold_mib": rss_cold,
        "peak_rss_mib": _peak_rss_mib(),
        "ru_maxrss_mib": _ru_maxrss_mib(),
        "results": [_plain(r) for r in cold_results + warm_results],
    }


def loadall() -> dict:
    names = SPEC["contexts"]
    startup = T_ENTER - SPEC["spawn"]
    digests: dict[str, str] = {}
    counts: dict[str, list[int]] = {}
    failures: dict[str, str] = {}
    digest_time = 0.0
    with_references = SPEC.get("references", False)

    t0 = time.perf_counter()
    load, version = _import_tool(SPEC["tool"])
    t_import = time.perf_counter()
    for name in names:
        try:
            ctx = load(name)
            loaded = _force_load(SPEC["tool"], ctx)
            references = ctx.reference_names() if with_references else ()
        except Exception as exc:
            failures[name] = f"{type(exc).__name__}: {exc}"
            continue
        t_d = time.perf_counter()
        mapping_set = sorted({ctx.basename} | {m.basename for m in loaded})
        reference_set = sorted(set(references))
        text = "\n".join(mapping_set) + "\n--\n" + "\n".join(reference_set)
        digests[name] = hashlib.sha1(text.encode()).hexdigest()
        counts[name] = [len(mapping_set), len(reference_set)]
        digest_time += time.perf_counter() - t_d
    t_end = time.perf_counter()

    return {
        "version": version,
        "startup_s": startup,
        "import_s": t_import - t0,
        "load_s": (t_end - t_import) - digest_time,
        "wall_s": startup + (t_end - t0) - digest_time,
        "n_contexts": len(names),
        "n_failures": len(failures),
        "failures": failures,
        "digests": digests,
        "counts": counts,
        "peak_rss_mib": _peak_rss_mib(),
        "ru_maxrss_mib": _ru_maxrss_mib(),
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as _stream:
        SPEC = json.load(_stream)
    _result = lookup() if SPEC["mode"] == "lookup" else loadall()
    _result.update(tool=SPEC["tool"], mode=SPEC["mode"], python=sys.version.split()[0])
    with open(SPEC["out"], "w", encoding="utf-8") as _stream:
        json.dump(_result, _stream)
