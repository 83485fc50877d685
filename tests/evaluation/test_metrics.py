from evaluation.metrics import Score, gold_items, key_of, predicted_items, unit_key
from models.records import Claim


def claim(kind: str, value, role=None, unit=None) -> Claim:
    return Claim(kind=kind, value=value, text="x", start=0, end=1, extractor="t@1", role=role,
                 unit=unit)


def test_unit_key_compares_the_first_word_stem() -> None:
    assert unit_key("percorsi formativi") == unit_key("percorso") == "percors"
    assert unit_key("tirocini") != unit_key("percorsi")
    assert unit_key("équipe multidisciplinari") == unit_key("equipe")


def test_score_counts_and_roles() -> None:
    gold = gold_items("amounts", {"amounts": [[10.0, "paid"], [20.0, ""], [30.0, "allocated"]]})
    predicted = predicted_items(
        "amounts", [claim("amount", 10.0, "paid"), claim("amount", 30.0, "total"),
                    claim("amount", 99.0)]
    )
    s = Score()
    s.add("doc", gold, predicted)
    assert (s.tp, s.fp, s.fn) == (2, 1, 1)
    assert round(s.f1, 3) == round(2 * (2 / 3) * (2 / 3) / (4 / 3), 3)
    assert s.role_accuracy == 0.5
    assert s.role_misses == ["doc: 30.0 gold allocated, got total"]


def test_outcomes_match_on_value_and_unit() -> None:
    gold = gold_items("outcomes", {"outcomes": [[11, "percorsi formativi"]]})
    ok = predicted_items("outcomes", [claim("outcome", 11, unit="percorsi")])
    wrong = predicted_items("outcomes", [claim("outcome", 11, unit="tirocini")])
    assert set(ok) == set(gold) and not set(wrong) & set(gold)


def test_organisation_names_are_compared_without_case():
    assert key_of("organisations", "Agenzia del Lavoro") == key_of(
        "organisations", "Agenzia del lavoro"
    )
    assert key_of("organisations", "Comune di Massa") != key_of(
        "organisations", "Comune di Massa Marittima"
    )
