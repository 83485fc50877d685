"""`inclusio doctor`: check the environment a run needs, and say what to fix.

Each check prints one line (``ok``, ``warn`` or ``FAIL``) and, when something is off, the
command that fixes it. The exit code is 1 when something a run needs is missing (Tesseract
with Italian, the search extension, a writable home with free space, a warehouse this code
can open; a Prefect server when ``--schedule`` asks for one), else 0; warnings (no Chromium,
the fallback spaCy pipeline, pending schema migrations) do not fail.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from inclusio.commands._common import add_warehouse_option
from inclusio.settings import paths

# Below this much free space at the home folder a run is refused; below WARN_FREE, a warning.
MIN_FREE = 200 * 2**20
WARN_FREE = 2 * 2**30


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str
    fix: str = ""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check the environment (OCR, browser, spaCy model, warehouse, Prefect, disk) and "
        "say what to fix",
        description="Check what inclusio needs on this machine: Tesseract with Italian, "
        "Chromium, the spaCy pipeline in use, DuckDB's search extension, the warehouse's "
        "schema version, the home folder and its free space, the store (--store), and (with "
        "--schedule, or when PREFECT_API_URL is set) a reachable Prefect server. Exits 1 when "
        "something needed is missing.",
    )
    p.add_argument("--schedule", action="store_true",
                   help="also require a reachable Prefect server (what `inclusio schedule` "
                   "needs)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_warehouse_option(p)
    p.set_defaults(func=handle)


def check_home() -> list[Check]:
    home = paths().root
    checks = []
    if not home.is_dir():
        return [Check("home", "fail", f"{home} does not exist",
                      f"create it (mkdir -p {home}) or pass --home DIR")]
    if not os.access(home, os.W_OK):
        checks.append(Check("home", "fail", f"{home} is not writable",
                            "pass --home DIR with a folder you can write"))
    else:
        checks.append(Check("home", "ok", f"{home} (data in {home / 'data'})"))
    free = shutil.disk_usage(home).free
    size = paths().warehouse.stat().st_size if paths().warehouse.exists() else 0
    text = f"{free / 2**30:.1f} GB free at {home}"
    # A writer copies the warehouse when readers hold it: room for one more copy is needed.
    if free < MIN_FREE or free < size + MIN_FREE:
        checks.append(Check("disk", "fail", text + (f" (warehouse {size / 2**20:.0f} MB)"
                                                     if size else ""),
                            "free some space, or pass --home DIR on a larger disk"))
    elif free < WARN_FREE:
        checks.append(Check("disk", "warn", text, "a long crawl may need more: free some space"))
    else:
        checks.append(Check("disk", "ok", text))
    return checks


def check_store() -> Check:
    """Where bodies, parsed and extracted files go (``--store`` / INCLUSIO_STORE), written to
    once: a store URL that cannot be written stops every run."""
    from docstore.objects import ObjectFolder, StoreUnavailable, is_url

    store = os.environ.get("INCLUSIO_STORE", "").strip()
    if not store:
        return Check("store", "ok", f"{paths().root / 'data'} (--store URL or INCLUSIO_STORE "
                     "to share it with Dask workers on other machines)")
    fix = ("check the URL, its credentials and that its package is installed (uv sync "
           "--extra s3 or --extra gcs), or unset INCLUSIO_STORE")
    if not is_url(store):
        folder = Path(store).expanduser()
        if folder.is_dir() and os.access(folder, os.W_OK):
            return Check("store", "ok", f"{folder.resolve()} (a folder)")
        if not folder.exists() and os.access(folder.parent if folder.parent.is_dir()
                                             else paths().root, os.W_OK):
            return Check("store", "ok", f"{folder.resolve()} (made by the first run)")
        return Check("store", "fail", f"{folder} is not a folder this user can write", fix)
    try:
        ObjectFolder(store).check()
    except StoreUnavailable as exc:
        return Check("store", "fail", str(exc), fix)
    return Check("store", "ok", f"{store} (written and read back)")


def check_tesseract() -> Check:
    exe = shutil.which("tesseract")
    fix = ("make system-deps (or: sudo apt-get install tesseract-ocr tesseract-ocr-ita); "
           "scanned PDFs are not read without it")
    if exe is None:
        return Check("tesseract", "fail", "not installed", fix)
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True,
                                 timeout=20).stdout.splitlines()[:1]
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True,
                               timeout=20).stdout.split()
    except (OSError, subprocess.SubprocessError) as exc:
        return Check("tesseract", "fail", f"{exe} does not run ({exc})", fix)
    name = version[0] if version else exe
    if "ita" not in langs:
        return Check("tesseract", "fail", f"{name} without Italian (ita)",
                     "sudo apt-get install tesseract-ocr-ita")
    return Check("tesseract", "ok", f"{name} with Italian")


def check_chromium() -> Check:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        return Check("chromium", "warn", "not installed (only the test that opens the HTML "
                     "report in a browser needs it)",
                     "make system-deps (or: sudo apt-get install chromium)")
    return Check("chromium", "ok", exe)


def check_spacy() -> Check:
    from extractors.nlp import PREFERRED_MODEL

    if importlib.util.find_spec(PREFERRED_MODEL) is not None:
        return Check("spacy", "ok", f"{PREFERRED_MODEL} (CC BY-NC-SA 3.0: check the licence "
                     "fits your use)")
    detail = f"blank Italian pipeline ({PREFERRED_MODEL} is not installed; every field comes " \
             "from inclusio's rules, so claims are the same)"
    if importlib.util.find_spec("spacy_lookups_data") is None:
        return Check("spacy", "warn", detail + "; no lookup lemmatizer",
                     "install the project's environment again: uv sync --frozen --extra dev")
    return Check("spacy", "ok", detail + " with the lookup lemmatizer")


def check_search() -> Check:
    from warehouse.search import SearchUnavailable, extension_path

    try:
        return Check("search", "ok", f"DuckDB fts extension {extension_path().parent.name}")
    except SearchUnavailable as exc:
        return Check("search", "fail", str(exc), "uv sync --frozen --extra dev")


def check_warehouse(target: Path) -> Check:
    from models.schema import migrations
    from warehouse.db import WarehouseBusy, WarehouseDamaged, connect

    latest = max(v for v, _, _ in migrations())
    if not target.exists():
        return Check("warehouse", "ok", f"none yet at {target} (the first `inclusio run` or "
                     "`inclusio load` creates it)")
    try:
        with connect(target, read_only=True) as con:
            has = con.execute("SELECT count(*) FROM information_schema.tables "
                              "WHERE table_name = 'schema_migrations'").fetchone()[0]
            version = (con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
                       if has else None)
    except WarehouseBusy as exc:
        return Check("warehouse", "warn", str(exc), "run doctor again when it is done")
    except WarehouseDamaged as exc:
        return Check("warehouse", "fail", str(exc), "inclusio load --rebuild")
    if version is None:
        return Check("warehouse", "fail", f"{target} is a DuckDB file but not an inclusio "
                     "warehouse (no schema_migrations)", "pass --warehouse FILE or --home DIR")
    if version > latest:
        return Check("warehouse", "fail", f"{target} has schema version {version}, newer than "
                     f"this code's {latest}", "update inclusio (git pull; uv sync)")
    if version < latest:
        return Check("warehouse", "warn", f"{target} has schema version {version} of {latest}",
                     "the next `inclusio load` or `inclusio run` applies the rest")
    return Check("warehouse", "ok", f"{target}, schema version {version}")


def check_prefect(required: bool) -> Check:
    from flows.schedule import DEFAULT_API_URL, ScheduleError, check_server

    url = os.environ.get("PREFECT_API_URL")
    if not url and not required:
        return Check("prefect", "ok", "no PREFECT_API_URL: each run starts a temporary Prefect "
                     "server (scheduled crawls need `inclusio server`; doctor --schedule checks)")
    try:
        found = check_server(url or DEFAULT_API_URL, timeout=3)
    except ScheduleError:
        return Check("prefect", "fail" if required or url else "warn",
                     f"no Prefect server answers at {url or DEFAULT_API_URL}",
                     "start one with `inclusio server` and export PREFECT_API_URL="
                     f"{url or DEFAULT_API_URL}")
    return Check("prefect", "ok", f"server answers at {found}")


def handle(args: argparse.Namespace) -> int:
    target = args.warehouse or paths().warehouse
    checks = [
        *check_home(), check_store(), check_tesseract(), check_chromium(), check_spacy(),
        check_search(),
        check_warehouse(target), check_prefect(args.schedule),
    ]
    failed = [c for c in checks if c.status == "fail"]
    if args.format == "json":
        print(json.dumps([asdict(c) for c in checks], ensure_ascii=False, indent=2))
    else:
        for c in checks:
            print(f"{'FAIL' if c.status == 'fail' else c.status:<5} {c.name:<10} {c.detail}")
            if c.fix and c.status != "ok":
                print(f"{'':16}fix: {c.fix}")
        print(f"{len(failed)} problem{'s' if len(failed) != 1 else ''} to fix" if failed
              else "everything a run needs is here")
    if failed:
        print(f"inclusio doctor: {', '.join(c.name for c in failed)} missing or broken (see "
              "the fix lines above)", file=sys.stderr)
    return 1 if failed else 0
