# The README's commands: `make booklet`, `make test` and `make test-fast`. Each sets
# everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := chuzhou-2021

.PHONY: booklet test test-fast lint bench docs setup system clean

booklet: setup
	$(BIN)/python build.py build $(SAMPLE)

# Every test (CI runs this, through .ci/run), after ruff and mypy, on both cores
# (pytest-xdist; a test file stays on one worker, sharing its builds): about 5 minutes.
# The tests come in three tiers, each a pytest marker (tests/README.md): unit (builds
# nothing), integration (builds the tiny book) and slow (end to end on the full sample,
# fuzzing, machine translation, the command run in new processes). `pytest -m unit` and
# the like pick one.
test: setup lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Unit and integration tests, the slow ones left out, on both cores (pytest-xdist):
# about 45 s, for every change.
test-fast: setup
	$(BIN)/python -m pytest -m "not slow" -n 2

# A finding fails the target, and so `make test`; configured in pyproject.toml.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Build times, memory and sizes (sample and a tenfold book) against a plain WeasyPrint
# render, with the targets; a few minutes.
bench: setup
	$(BIN)/python -m benchmarks.run

# The images under docs/ that come from builds of the sample (previews, crops, spreads),
# made again from today's code in a throwaway copy of the project; about a minute.
docs: setup
	PYTHONPATH=. $(BIN)/python scripts/docs_images.py

setup: system $(STAMP)

system:
	@sh scripts/setup-system.sh

# Order-only on `system`: the system packages are in place before pip runs.
$(STAMP): pyproject.toml constraints.txt | system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) dist
