# Two entry points on a fresh machine (Python 3.11, g++, make, perl):
#   make demo   create .venv, install dv, verify the example FIFO offline
#   make test   create .venv, install dv with its test tools, run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test install lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/dv generate --rtl rtl_examples/fifo/fifo.sv --spec rtl_examples/fifo/fifo.md

test: install
	$(BIN)/python -m pytest -n 2 -q

lint: install
	$(BIN)/ruff check dv tests bench

bench: install
	$(BIN)/python bench/closure.py

clean:
	rm -rf build
