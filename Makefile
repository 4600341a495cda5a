# Two commands on a fresh machine: `make demo` and `make test` (see README).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast test-slow install chromium eval quality train bench bench-scale clean

$(STAMP): pyproject.toml scripts/install.sh
	./scripts/install.sh
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -f demo.db
	$(BIN)/fieldnotes run sample_notes --db demo.db
	$(BIN)/fieldnotes leads --db demo.db
	$(BIN)/fieldnotes followups --db demo.db --format md
	@echo "See and fix every extracted span: $(BIN)/fieldnotes review --open --db demo.db"

test: $(STAMP) chromium
	$(BIN)/python -m pytest -q

# The browser tests (tests/test_review.py, marker `browser`) drive Debian's chromium headless through the
# playwright package (never `playwright install`); where chromium cannot be installed they are skipped.
chromium:
	@[ -x /usr/bin/chromium ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get install -y -q chromium >/dev/null; } \
	  || echo "chromium could not be installed (needs root and apt-get); the browser tests will be skipped" >&2

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not model and not slow"

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

# The shipped heads on the corpus (in-sample) and on the shared dev set when it is beside the checkout.
eval: $(STAMP)
	$(BIN)/fieldnotes eval --no-llm --model smollm2
	if [ -d ../shared/devset ]; then $(BIN)/fieldnotes eval ../shared/devset --no-llm --model smollm2; fi

# docs/quality.md: cross-validation over styles and author batches the heads never saw, beside the rules-only pipeline (about 3 hours on this machine for the 280 notes).
quality: $(STAMP)
	./scripts/rules_baseline.sh build/rules-a56233c.jsonl
	$(BIN)/python -m pipeline.dev.quality docs/quality.md --cv batch,style --folds 5 --baseline rules=build/rules-a56233c.jsonl

# Refit the shipped heads from the corpus (deterministic: the same corpus gives the same weights).
train: $(STAMP)
	$(BIN)/fieldnotes train --no-llm
	$(BIN)/fieldnotes train --model smollm2
	$(BIN)/fieldnotes train --model gemma3-270m

bench: $(STAMP)
	$(BIN)/fieldnotes bench

# docs/performance.md at career-centre scale: a 50,000-note database against a 1,000-note one (about half an hour)
bench-scale: $(STAMP)
	$(BIN)/fieldnotes bench --scale 50000

clean:
	rm -rf $(VENV) demo.db
