# Quickstart targets: `make serve` and `make test` work on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install serve test lint typecheck eval train bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch is pinned in pyproject (2.13.0, CPU build on this machine's disk)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(VENV)/bin/telusur serve --corpus seeds --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q -rs

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(PY) -m mypy

FACQA ?= ../shared/benchmarks/facqa
eval: install
	$(VENV)/bin/telusur eval eval/data/telusur_qa.jsonl --split heldout --corpus seeds --report eval/results/telusur_qa.md --json eval/results/telusur_qa.json
	$(VENV)/bin/telusur eval $(FACQA)/valid.jsonl --corpus $(FACQA)/corpus.jsonl --index-dir .telusur/facqa --report eval/results/facqa_valid.md --json eval/results/facqa_valid.json
	$(VENV)/bin/telusur eval eval/data/facqa_valid_en.jsonl --index-dir .telusur/facqa --report eval/results/facqa_valid_en.md --json eval/results/facqa_valid_en.json
	$(VENV)/bin/telusur eval eval/data/facqa_valid_variants.jsonl --index-dir .telusur/facqa --report eval/results/facqa_valid_variants.md --json eval/results/facqa_valid_variants.json
	$(VENV)/bin/telusur eval compare $(FACQA)/valid.jsonl --index-dir .telusur/facqa --config hybrid --config dense --config bm25 --config "dbsf mode=hybrid ranker=dbsf" --report eval/results/facqa_valid_compare.md --json eval/results/facqa_valid_compare.json

# Rebuild the shipped models (search/models/) from FacQA train, in dependency order: the
# highlighter, the ranker, the answer scorers, then the reader (about an hour on 2 cores).
train: install
	$(PY) -m eval.train --facqa $(FACQA)

bench: install
	$(VENV)/bin/telusur bench --out eval/results/bench

clean:
	rm -rf $(VENV) .telusur *.egg-info
