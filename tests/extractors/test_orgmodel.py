"""The organisation model: it loads, finds a body no rule knows, and never repeats a rule claim."""

from __future__ import annotations

import pytest

from extractors import organisations, orgmodel
from extractors.base import Context

# Invented bodies: no type word a rule keys on ("Cooperativa", "Associazione", "Comune di").
UNKNOWN = (
    "Hanno firmato il protocollo il Comune di Novara e Orizzonte Mirtillo Servizi, capofila "
    "del partenariato."
)
WITH_FORM = (
    "La gestione del centro diurno è stata aggiudicata a Il Girasole di Vetro scs per tre anni."
)


@pytest.fixture
def rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(orgmodel.ENV_VAR, "0")


def _rule_claims(text: str) -> list:
    return list(organisations.extract(Context(text=text)))


def test_model_loads_with_its_label() -> None:
    nlp = orgmodel.load_model()
    assert nlp is not None
    assert nlp.pipe_names == ["tok2vec", "ner"]
    assert nlp.get_pipe("ner").labels == ("ORG",)
    assert orgmodel.load_model() is nlp  # loaded once


def test_model_finds_a_name_no_rule_knows(rules_only: None) -> None:
    found = [UNKNOWN[s:e] for s, e in orgmodel.model_spans(UNKNOWN)]
    assert "Orizzonte Mirtillo Servizi" in found
    assert [c.value for c in _rule_claims(UNKNOWN)] == ["Comune di Novara"]


def test_model_spans_read_a_doc_like_a_text() -> None:
    doc = orgmodel.load_model().make_doc(UNKNOWN)
    assert orgmodel.model_spans(doc) == orgmodel.model_spans(UNKNOWN)


def test_combine_adds_the_unknown_body_once(rules_only: None) -> None:
    rules = _rule_claims(UNKNOWN)
    spans = orgmodel.model_spans(UNKNOWN)
    out = orgmodel.combine(rules, spans, UNKNOWN)
    assert out[: len(rules)] == rules
    added = out[len(rules):]
    assert [c.value for c in added] == ["Orizzonte Mirtillo Servizi"]
    assert added[0].attrs["rule"] == "model"
    assert added[0].confidence < 1.0
    assert added[0].extractor.startswith("orgmodel@")


def test_combine_never_duplicates_a_rule_claim(rules_only: None) -> None:
    text = UNKNOWN + " Il Comune di Novara ne cura il monitoraggio."
    rules = _rule_claims(text)
    second = text.rindex("Comune di Novara")
    # The rule claim's own span, a span inside it, a span across it, and the same body elsewhere.
    spans = [(c.start, c.end) for c in rules] + [
        (rules[0].start + 3, rules[0].end),
        (rules[0].start - 3, rules[0].end + 2),
        (second, second + len("Comune di Novara")),
    ]
    out = orgmodel.combine(rules, spans, text)
    values = [c.value for c in out if c.attrs.get("rule") == "model"]
    assert "Comune di Novara" not in values
    for c in out[len(rules):]:
        assert all(c.end <= r.start or c.start >= r.end for r in rules)


def test_every_quote_is_the_text_it_was_read_from(rules_only: None) -> None:
    for text in (UNKNOWN, WITH_FORM):
        spans = orgmodel.model_spans(text) + [(0, 3), (len(text) - 12, len(text))]
        for c in orgmodel.combine(_rule_claims(text), spans, text):
            assert c.text == text[c.start : c.end]
            assert c.text == c.text.strip()


def test_a_legal_form_after_the_span_names_the_kind(rules_only: None) -> None:
    start = WITH_FORM.index("Il Girasole")
    span = (start, start + len("Il Girasole di Vetro"))
    out = orgmodel.combine([], [span], WITH_FORM)
    assert [c.value for c in out] == ["Cooperativa Il Girasole di Vetro"]
    assert out[0].text == "Il Girasole di Vetro"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Casa Lumen ODV", "Associazione Casa Lumen"),
        ("TESSITORI DI COMUNITÀ", "Tessitori di Comunità"),
        ("la Rete Ponti Leggeri", "Rete Ponti Leggeri"),
        ("Novara", None),  # a comune alone is a place
        ("servizio di mensa sociale", None),
        ("Protocollo n. 12", None),
    ],
)
def test_canonical_names_follow_the_rules_conventions(raw: str, expected: str | None) -> None:
    assert orgmodel.canonical(raw) == expected


def test_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(orgmodel.ENV_VAR, "0")
    assert not orgmodel.enabled()
    assert [c.value for c in _rule_claims(UNKNOWN)] == ["Comune di Novara"]
    monkeypatch.setenv(orgmodel.ENV_VAR, "1")
    assert orgmodel.enabled()
    assert [c.value for c in _rule_claims(UNKNOWN)] == [
        "Comune di Novara", "Orizzonte Mirtillo Servizi",
    ]
    monkeypatch.delenv(orgmodel.ENV_VAR)
    assert orgmodel.enabled() is orgmodel.DEFAULT_ON


def test_the_model_is_part_of_the_versions_only_when_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from extractors.registry import versions

    monkeypatch.setenv(orgmodel.ENV_VAR, "0")
    assert orgmodel.NAME not in versions()
    monkeypatch.setenv(orgmodel.ENV_VAR, "1")
    assert "+orgs-" + orgmodel.load_model().meta["version"] in versions()[orgmodel.NAME]


def test_evaluate_flags_set_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    from inclusio.cli import build_parser

    monkeypatch.delenv(orgmodel.ENV_VAR, raising=False)
    assert build_parser().parse_args(["evaluate"]).org_model is None
    assert build_parser().parse_args(["evaluate", "--model"]).org_model == "1"
    assert build_parser().parse_args(["evaluate", "--no-model"]).org_model == "0"


def _fake_lg() -> object:
    """A stand-in for it_core_news_lg (not installable here): a rule that tags one invented name
    ORG, so the code path that reads another model's entities runs in the tests."""
    import spacy

    nlp = spacy.blank("it")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": "Lanterna Verde Servizi"},
                        {"label": "LOC", "pattern": "Val Lunga"}])
    return nlp


LG_TEXT = "Lo sportello della Val Lunga è affidato a Lanterna Verde Servizi dal mese di marzo."


def test_it_core_news_lg_entities_are_one_more_source(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake_lg()
    monkeypatch.setattr(orgmodel, "load_lg", lambda: fake)
    found = [LG_TEXT[s:e] for s, e in orgmodel.model_spans(LG_TEXT)]
    assert "Lanterna Verde Servizi" in found
    assert "Val Lunga" not in found  # only ORG entities count
    # A Doc the pipeline already annotated gives its entities without running the model again.
    monkeypatch.setattr(orgmodel, "load_lg", lambda: None)
    doc = fake(LG_TEXT)
    assert "Lanterna Verde Servizi" in [LG_TEXT[s:e] for s, e in orgmodel.model_spans(doc)]


def test_model_claims_point_into_the_whole_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the first chunk, a model claim is shifted like every other claim."""
    from extractors.nlp import CHUNK_CHARS
    from extractors.registry import extract_document
    from models.records import Document

    monkeypatch.setenv(orgmodel.ENV_VAR, "1")
    filler = "una riga di testo senza nomi propri.\n" * (CHUNK_CHARS // 37 + 10)
    text = UNKNOWN + "\n\n" + filler + "\n\n" + UNKNOWN
    claims = [c for c in extract_document(Document(text=text)) if c.attrs.get("rule") == "model"]
    assert [c.value for c in claims] == ["Orizzonte Mirtillo Servizi"] * 2
    assert claims[1].start > CHUNK_CHARS
    assert all(c.text == text[c.start : c.end] for c in claims)
