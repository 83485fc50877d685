"""Snapshot of what the PDF parser makes of every PDF at hand, to show a speed change kept it.

The PDFs are the benchmark corpus (bench_pdf's generated documents and its plan drawing) and
every ``*.pdf`` in the repository (sample site, test corpora). Each Document is written as JSON;
``--against`` compares with a snapshot taken before the change and lists the files that differ.

    .venv/bin/python bench/pdf_output_check.py --write /tmp/before.json
    .venv/bin/python bench/pdf_output_check.py --against /tmp/before.json
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pdf import _doc, _plan_drawing  # noqa: E402

from parsers import ParseError  # noqa: E402
from parsers.pdf import parse_pdf  # noqa: E402


def _inputs() -> dict[str, bytes]:
    out = {f"bench/doc{n}": _doc(n, 9)[0] for n in range(40)}
    out["bench/plan"] = _plan_drawing()
    for path in sorted(ROOT.rglob("*.pdf")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] not in (".venv", ".git"):
            out[str(rel)] = path.read_bytes()
    return out


def snapshot() -> dict[str, object]:
    out: dict[str, object] = {}
    for name, data in _inputs().items():
        try:
            out[name] = asdict(parse_pdf(data))
        except ParseError as exc:
            out[name] = {"error": str(exc)}
    return json.loads(json.dumps(out, default=str))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, help="write the snapshot here")
    ap.add_argument("--against", type=Path, help="compare with this snapshot")
    args = ap.parse_args()
    snap = snapshot()
    if args.write:
        args.write.write_text(json.dumps(snap, ensure_ascii=False, indent=1), "utf-8")
        print(f"{len(snap)} PDFs written to {args.write}")
    if args.against:
        old = json.loads(args.against.read_text("utf-8"))
        differ = sorted(k for k in snap.keys() | old.keys() if snap.get(k) != old.get(k))
        for name in differ:
            print(f"differs: {name}")
        print(f"{len(snap)} PDFs, {len(differ)} differ")
        raise SystemExit(1 if differ else 0)


if __name__ == "__main__":
    main()
