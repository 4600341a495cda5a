# Two commands on a fresh machine: `make demo` and `make test` (see README).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast install eval bench clean quality

$(STAMP): pyproject.toml scripts/install.sh
	./scripts/install.sh
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -f demo.db
	$(BIN)/fieldnotes run sample_notes --db demo.db
	$(BIN)/fieldnotes leads --db demo.db
	$(BIN)/fieldnotes followups --db demo.db --format md

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not model"

eval: $(STAMP)
	$(BIN)/fieldnotes eval tests/devset

bench: $(STAMP)
	$(BIN)/fieldnotes bench

clean:
	rm -rf $(VENV) demo.db

# Dev-set tables for docs/quality.md (our two dev sets; add ../shared/devset when it is beside the checkout).
quality: $(STAMP)
	$(BIN)/fieldnotes eval tests/devset --no-llm --model smollm2 --model gemma3-270m > docs/quality-devset.md
	$(BIN)/fieldnotes eval tests/devset-fresh --no-llm --model smollm2 --model gemma3-270m > docs/quality-devset-fresh.md
	if [ -d ../shared/devset ]; then $(BIN)/fieldnotes eval ../shared/devset --no-llm --model smollm2 --model gemma3-270m > docs/quality-shared-devset.md; fi
