PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# constraints.txt fixes every package's exact version (numbers that depend on numpy, scipy or a
# hashing library must not change with the machine or the day of the install)
$(STAMP): $(BIN)/python pyproject.toml constraints.txt cleaners/_linekernels.c
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,redis]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/wirewash clean seeds -o outputs/demo --overwrite
	@echo
	@echo "Results are in outputs/demo/: corpus/ (the deduplicated corpus as Parquet and JSON Lines parts; corpus.parquet and corpus.jsonl.gz in one file each), documents/ (every document with provenance), report.html (open in a browser), report.json, rejected.jsonl, manifest.json"

test: $(STAMP)
	$(BIN)/python -m pytest tests cleaners flows

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,redis,bench]"
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) outputs/demo
