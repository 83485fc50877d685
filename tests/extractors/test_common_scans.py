"""The shared scan helpers that make extraction fast must find exactly what the plain scans find."""

import random
import re

import pytest

from evaluation.corpus import default_root, load_set, read
from extractors import amounts, dates, programmes
from extractors.base import Context
from extractors.common import Dispatcher, keyword_pattern, leading_chars, leading_pairs
from extractors.organisations import roles
from extractors.organisations import rules as org_rules
from extractors.registry import extract_document
from models.records import Document


def corpus_text() -> str:
    texts = [read(d).text for s in ("dev", "heldout") for d in load_set(default_root(), s)]
    # Characters that Python's re folds to ASCII letters under IGNORECASE (İ ı K ſ), and capitals.
    return "\n\n".join(texts) + " İmpegno ıntesa Kapo ſpesa ÈRA È SOSTENUTO DA FINANZIATO"


def without_guard(rx: re.Pattern[str]) -> re.Pattern[str]:
    head = r"(?<![\w])"
    guard = rx.pattern[len(head) : rx.pattern.index(")(?:") + 1]
    assert guard.startswith("(?="), rx.pattern[:80]
    return re.compile(rx.pattern.replace(guard, "", 1), rx.flags)


@pytest.mark.parametrize(
    "rx",
    [amounts.ROLE_RE, amounts.STATE_AFTER_RE, dates.ROLE_RE, roles.ROLE_RE, roles.AFTER_ROLE_RE],
)
def test_guarded_keyword_patterns_match_as_the_plain_alternation(rx):
    plain = without_guard(rx)
    text = corpus_text()

    def found(pattern, s):
        return [(m.span(), m.lastgroup) for m in pattern.finditer(s)]

    assert found(rx, text) == found(plain, text)
    rng = random.Random(7)
    for _ in range(500):  # windows, as the role rules read them
        a = rng.randrange(len(text))
        window = text[a : a + rng.randrange(1, 300)]
        assert found(rx, window) == found(plain, window)


def test_leading_characters_are_read_only_where_plain():
    assert leading_chars(r"abc|d[ef]x") == {"a", "d"}
    assert leading_chars(r"(?:è|sono)\s+x") == {"è", "s"}
    assert leading_chars(r"(?<!a )(?<!al )fin") == {"f"}
    assert leading_chars(r"[\x27’]x") == {"'", "’"}
    for unknown in (r"a?b", r"\w+", r"(?:a|b)?c", r"[a-z]x", r".x", r"[^a]"):
        assert leading_chars(unknown) is None, unknown
    assert leading_pairs(r"co-?f|d[ae]l") == {"c": {"o"}, "d": {"a", "e"}}
    assert leading_pairs(r"ab?c|x\w|a+b") == {"a": {""}, "x": {""}}
    assert keyword_pattern({"a": [r"\w+x"]}).pattern == r"(?<![\w])(?:(?P<a>\w+x))"


def test_dispatcher_offers_what_each_starts_pattern_matches():
    text = corpus_text()
    for dispatch in (org_rules.DISPATCH, programmes.DISPATCH):
        plain = [
            (hit.start(), id(payload))
            for hit in dispatch.trigger.finditer(text)
            for starts, payload in dispatch.by_char.get(text[hit.start()], ())
            if starts.match(text, hit.start())
        ]
        assert [(pos, id(p)) for pos, p in dispatch.hits(text)] == plain


def test_dispatcher_refuses_starts_it_cannot_read_as_literals():
    with pytest.raises(ValueError, match="simple"):
        Dispatcher([(r"Comune\b", None)])
    with pytest.raises(ValueError, match="simple"):
        Dispatcher([(r"[A-Z]", None)])


def test_doc_is_made_only_when_read():
    made = []

    def make_doc(text):
        made.append(text)
        return ["tokens of", text]

    ctx = Context(text="Il Comune di Pisa", make_doc=make_doc)
    assert made == []
    assert ctx.doc == ["tokens of", "Il Comune di Pisa"]
    assert ctx.doc is ctx.doc and made == ["Il Comune di Pisa"]
    assert Context(text="x", doc="given", make_doc=make_doc).doc == "given"
    # The rule extractors read text only: extract_document tokenises nothing for them.
    calls = []

    class Counting:
        def __call__(self, text):  # the full pipeline
            calls.append("pipeline")

        def make_doc(self, text):
            calls.append("tokens")

    document = Document(text="Il Comune di Pisa ha stanziato 5.000 euro.")
    claims = extract_document(document, Counting())
    assert calls == [] and any(c.kind == "amount" for c in claims)
