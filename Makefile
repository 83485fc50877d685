# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# The environment is uv-managed from pyproject.toml + uv.lock; uv is installed with pip if missing.

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup system-deps demo test faults lint bench clean model

$(UV):
	$(PYTHON) -m pip install --user --quiet uv || $(PYTHON) -m pip install --quiet uv

$(BIN)/inclusio: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --compile-bytecode
	@touch $@

setup: $(BIN)/inclusio system-deps

# Tesseract (OCR of scanned PDFs) and Chromium (report test) come from Debian's packages.
system-deps:
	@if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -q '^ita$$' \
	    || ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    tesseract-ocr tesseract-ocr-ita chromium >/dev/null; \
	fi

demo: setup
	$(BIN)/inclusio demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest -q

# Every fault case (tests/faults), the slow ones too: a line per case, then
# "faults: N tried, P passed, F failed". `make test` runs only the fast ones.
faults: setup
	FAULTS_ALL=1 FAULTS_REPORT=1 $(BIN)/pytest tests/faults -q -p no:cacheprovider

lint: $(BIN)/inclusio
	$(BIN)/ruff check .

# Every benchmark prints its figures and ratios; `make bench QUICK=1` runs the small sizes
# (the benchmarks that take --quick) for a shared or slow machine.
# The national crawl goes first: for minutes after the others delete their many files, ext4
# costs its file creations up to twice the kernel time (bench/bench_national_crawl.py).
bench: setup
	@for b in bench/bench_national_crawl.py $$(ls bench/bench_*.py | grep -v national_crawl); do \
	  echo "== $$b"; \
	  if [ -n "$(QUICK)" ] && grep -q -- '"--quick"' $$b; then $(BIN)/python $$b --quick || exit 1; \
	  else $(BIN)/python $$b || exit 1; fi; done

# Rebuild the organisation model models/nlp/orgs/ (committed, ~2.5 MB) from the synthetic corpus:
# training data from the gold files, then `spacy train` on CPU with a fixed seed (~1-2 minutes;
# the same weights bit for bit on one machine). See models/nlp/README.md.
model: $(BIN)/inclusio
	$(BIN)/python training/build_orgs_model.py

clean:
	rm -rf data/raw/* data/parsed data/extracted data/curated/*.duckdb* data/curated/demo-sources.toml .prefect
	touch data/raw/.gitkeep
