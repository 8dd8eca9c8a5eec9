# ascc-bot: two commands for everything.
#   make run    create .venv, install, build the index if missing, start the chat UI on 127.0.0.1:8501
#   make test   create/update .venv, run the whole test suite
# Everything runs through .venv/bin/...; no activated venv is needed.

SHELL   := /bin/bash
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# A plain or open-ended torch requirement pulls a multi-GB CUDA build: pin the CPU wheel and install it first.
TORCH   := torch==2.13.0
PIP     := $(BIN)/python -m pip --disable-pip-version-check
INDEX_DIR := $(or $(ASCC_BOT_INDEX),index)
UI_ADDRESS ?= 127.0.0.1
UI_PORT    ?= 8501
SHARED_EVAL := ../shared/eval/run_eval.py
BENCH_ARGS ?=
# Evaluation (issue 7): eval/score_sets.py runs run_eval.py per case file and prints one table (docs/evaluation.md).
# Globs stay quoted: the script expands them, and a pattern that matches nothing yet is only a note.
EVAL_STAMP   := $(VENV)/.installed-eval
SCORE         = $(BIN)/python eval/score_sets.py $(EVAL_ARGS)
PUBLIC_CASES := public=../shared/eval/questions.jsonl
DEV_CASES    := dev=eval/dev_questions.jsonl
WORKING_SETS := 'eval/sets/*.working.jsonl'
LOCKED_SETS  := 'eval/sets/*.locked.jsonl'
EVAL_ARGS ?=  # e.g. EVAL_ARGS=-v lists the failing cases

.DEFAULT_GOAL := help
.PHONY: help install run test bench eval eval-locked eval-baseline index clean distclean

help:
	@echo "make run        install (once), build the index if missing, start the chat UI on http://$(UI_ADDRESS):$(UI_PORT)"
	@echo "make test       install (once), run the whole test suite"
	@echo "make index      build or update the index (incremental)"
	@echo "make eval       score the bot on the public cases, eval/dev_questions.jsonl and eval/sets/*.working.jsonl"
	@echo "make eval-locked   score the bot on eval/sets/*.locked.jsonl (once per milestone)"
	@echo "make eval-baseline install the [eval] extra, score bot and LangChain baseline side by side on all sets"
	@echo "make bench      benchmark against the floor of the stack (model load, one query embedding)"
	@echo "make clean      remove the install stamp, index builds and caches (keeps .venv and corpus/)"
	@echo "make distclean  clean, and remove .venv"

# ------------------------------------------------------------------ environment (idempotent)
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-run only when pyproject.toml changes (or after `make clean`).
$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install "$(TORCH)"
	$(PIP) install -e ".[test]"
	touch $@

install: $(STAMP)

# The [eval] extra (LangChain, for the baseline) only for `make eval-baseline`; `make test` and `make run` never.
$(EVAL_STAMP): pyproject.toml $(STAMP)
	$(PIP) install -e ".[test,eval]"
	touch $@

# ------------------------------------------------------------------ index
# `make run` builds the index only when it is missing; `make index` and `make eval` always run the incremental
# build (a no-op rebuild takes well under a second), so an evaluation never scores a stale index.
$(INDEX_DIR)/CURRENT: | $(STAMP)
	$(BIN)/ascc-bot index

index: $(STAMP)
	$(BIN)/ascc-bot index

# ------------------------------------------------------------------ the two commands
run: $(STAMP) $(INDEX_DIR)/CURRENT
	$(BIN)/ascc-bot ui --address $(UI_ADDRESS) --port $(UI_PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# ------------------------------------------------------------------ measurement
bench: $(STAMP)
	$(BIN)/python bench/bench.py --json artifacts/bench.json $(BENCH_ARGS)
	$(BIN)/python bench/pdf_index.py --json artifacts/bench-pdf.json

eval: index
	@if [ -f $(SHARED_EVAL) ]; then \
		$(SCORE) --systems bot $(PUBLIC_CASES) $(DEV_CASES) $(WORKING_SETS) --markdown artifacts/eval/working.md; \
	else \
		echo "$(SHARED_EVAL) not found: the scorer lives in ../shared; nothing to run"; \
	fi

# The locked halves: once per milestone, never to tune on.
eval-locked: index
	$(SCORE) --systems bot $(LOCKED_SETS) --markdown artifacts/eval/locked.md
	$(BIN)/python eval/train_intent.py --locked
	$(BIN)/python eval/train_branch.py --locked
	$(BIN)/python eval/train_ranker.py --locked

# Every set, bot and baseline side by side (the locked halves included: a milestone command too).
eval-baseline: $(EVAL_STAMP) index
	$(SCORE) --systems bot,baseline $(PUBLIC_CASES) $(DEV_CASES) $(WORKING_SETS) $(LOCKED_SETS) \
		--markdown artifacts/eval/baseline.md

# ------------------------------------------------------------------ cleaning (never touches corpus/)
clean:
	rm -f $(STAMP)
	rm -rf index/builds index/CURRENT index/.lock index/.CURRENT-* index/onnx
	rm -rf .pytest_cache *.egg-info build artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
