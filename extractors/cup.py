"""CUP and CIG codes: the keys that tie a page to an official project record."""

from __future__ import annotations

import re
from collections.abc import Iterator

from extractors.base import Context, load_patterns, make_claim
from models.records import Claim

NAME = "cup"
VERSION = "0.1.0"

_P = load_patterns("cup")
CUP_RE = re.compile(_P["cup"])
CIG_RE = re.compile(_P["cig_label"], re.IGNORECASE)
CUP_SHAPE = re.compile(r"^[A-Z][0-9]{2}[A-Z][0-9]{11}$")


def is_cup(code: str) -> bool:
    return bool(CUP_SHAPE.match(code))


def extract(ctx: Context) -> Iterator[Claim]:
    for m in CUP_RE.finditer(ctx.text):
        code = re.sub(r"\s", "", m.group(1))
        if is_cup(code):
            yield make_claim(NAME, VERSION, "cup", code, ctx.text, m.start(1), m.end(1))
    for m in CIG_RE.finditer(ctx.text):
        yield make_claim(NAME, VERSION, "cig", m.group(1).upper(), ctx.text, m.start(1), m.end(1))
