# The README's commands: `make booklet` and `make test`. Both set everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := chuzhou-2021

.PHONY: booklet test bench setup system clean

booklet: setup
	$(BIN)/python build.py build $(SAMPLE)

test: setup
	$(BIN)/python -m pytest

# Build times, memory and sizes (sample and a tenfold book) against a plain WeasyPrint
# render, with the targets; a few minutes.
bench: setup
	$(BIN)/python -m benchmarks.run

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
