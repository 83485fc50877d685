"""Text from remote pages made safe to print on a terminal.

A title or quote holding ``ESC ] 0 ; ... BEL`` would retitle the reader's terminal, and other
escape sequences can hide or rewrite what is shown (or, on some terminals, write the
clipboard); bidirectional overrides make text read differently from what it is. Table outputs
therefore print control characters as ``�`` (tabs and carriage returns as spaces).
"""

from __future__ import annotations

import re

_BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\\x00-\\x08\\x0b\\x0e-\\x1f\\x7f-\\x9f{_BIDI}]")
_SPACES = re.compile(r"[\t\r\f]")


def printable(text: str) -> str:
    """``text`` with terminal control characters replaced; newlines are kept."""
    return _UNSAFE.sub("\ufffd", _SPACES.sub(" ", text))
