import pytest

from evaluation import baselines


def test_regex_baseline_reads_plain_amounts_only() -> None:
    text = "Sono € 609.734 e 496.931,00 euro, ma non 1,2 mln di euro né 150mila euro."
    assert baselines.regex_amounts(text)[:2] == [609734.0, 496931.0]


def test_dateparser_baseline_when_installed() -> None:
    if not baselines.dateparser_available():
        pytest.skip("dateparser is not installed (it is a dev dependency)")
    found = baselines.dateparser_dates("Il protocollo è stato firmato il 4 luglio 2017.")
    assert "2017-07-04" in found
