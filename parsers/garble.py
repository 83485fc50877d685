"""Is a page's text layer garbage? Fonts without a real character map give text nobody can read.

A PDF can render perfectly and still carry a useless text layer: a font whose ToUnicode map is
missing or wrong yields private-use characters, U+FFFD, control codes, "(cid:12)" sequences
(how pdfminer-based tools write an unmapped glyph), or symbols where letters should be. Such a
page is read by OCR like a scan. The test is on characters only, with regexes (C speed), so
it costs next to nothing on the ordinary pages that are nearly all of them.
"""

from __future__ import annotations

import re

# Characters an Italian administrative text is made of: Latin letters (accents included),
# digits, whitespace, punctuation, currency, bullets, ligatures. Anything else is suspicious.
_ORDINARY = (
    r"A-Za-z\u00C0-\u024F\u1E00-\u1EFF0-9 \t\n\r"
    r"!-/:-@\[-`{-~\u00A0-\u00BF\u00D7\u00F7"
    r"\u2010-\u205E\u20AC\u2122\u2190-\u2193\u2212\u25A0-\u25CF\uFB00-\uFB06"
)
_STRANGE = re.compile(f"[^{_ORDINARY}]+")
_PRIVATE = re.compile(r"[\uE000-\uF8FF\U000F0000-\U0010FFFF]+")
_REPLACEMENT = re.compile(r"[\uFFFD\x00-\x08\x0B\x0C\x0E-\x1F\x7F]+")
_CID = re.compile(r"\(cid:\d+\)")
_NOT_LETTER_OR_DIGIT = re.compile(r"[^A-Za-z\u00C0-\u024F0-9 \t\n\r]+")
_BLANKS = " \t\n\r"
# Dot leaders of a table of contents, lines to write on: many marks, no garbage.
_LEADERS = re.compile(r"([._\-–—·…*=~])(?:\s?\1){2,}")

MIN_CHARS = 20  # fewer visible characters than this: too little to judge
MAX_STRANGE = 0.30  # share of unreadable characters that makes a page garbled
MIN_LETTERS = 0.40  # share of letters and digits below which a page is garbled
MIN_CHARS_LETTERS = 40  # the letters test needs a little more text than the other
SAMPLE = 2000  # characters looked at on a long page, in four slices spread over it


def _counts(text: str) -> tuple[int, int, str]:
    """Visible characters, letters and digits among them, and every other visible character.

    One regex pass over the text; the unreadable characters are then looked for among the
    marks only, which on an ordinary page are a few punctuation signs.
    """
    visible = len(text) - sum(text.count(c) for c in _BLANKS)
    marks = "".join(_NOT_LETTER_OR_DIGIT.findall(text))
    return visible, visible - len(marks), marks


def garbled_reason(text: str) -> str | None:
    """Why ``text`` (one page) is not a usable text layer, or None when it reads as text.

    A long page is judged on four slices of it (``SAMPLE`` characters in all): garbage from a
    font covers whole runs of text, and reading every character of every page would cost a
    noticeable share of the PDF stage.
    """
    if len(text) > SAMPLE:
        step, size = len(text) // 4, SAMPLE // 4
        text = "\n".join(text[k * step : k * step + size] for k in range(4))
    cid_count = 0
    if "(cid:" in text:
        cid_count = len(_CID.findall(text))
        text = _CID.sub(" ", text)
    visible, letters, marks = _counts(text)
    total = visible + cid_count
    if total < MIN_CHARS:
        return None
    strange = sum(map(len, _STRANGE.findall(marks)))
    share = (strange + cid_count) / total
    if share >= MAX_STRANGE:
        kinds = {
            "(cid:n) codes of glyphs without a character": cid_count,
            "private-use characters": sum(map(len, _PRIVATE.findall(marks))),
            "replacement or control characters": sum(map(len, _REPLACEMENT.findall(marks))),
        }
        kinds["symbols or letters of other scripts"] = strange - sum(
            v for k, v in kinds.items() if not k.startswith("(cid")
        )
        main = max(kinds, key=lambda k: kinds[k])
        return (
            f"garbled text layer: {share:.0%} of {total} characters are unreadable, "
            f"mostly {main}"
        )
    if total >= MIN_CHARS_LETTERS and letters < MIN_LETTERS * total:
        # Dot leaders and lines to write on are marks, not garbage: judge again without them.
        visible, letters, _ = _counts(_LEADERS.sub(" ", text))
        total = visible + cid_count
        if total >= MIN_CHARS_LETTERS and letters < MIN_LETTERS * total:
            return (
                f"garbled text layer: only {letters / total:.0%} of {total} characters are "
                "letters or digits"
            )
    return None


__all__ = ["garbled_reason"]
