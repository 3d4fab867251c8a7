# Two entry points on a fresh machine (Python >= 3.11, g++, make, perl; the install needs a
# package index and about 640 MB):
#   make demo   create .venv, install dv, verify the example FIFO offline
#   make test   create .venv, install dv with its test tools, run the test suite
# Another interpreter: make PYTHON=python3.11 demo
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
GOAL    = $(or $(MAKECMDGOALS),install)
# exit status 0 on Python >= 3.11
PY_OK   = import sys; sys.exit(sys.version_info < (3, 11))

.PHONY: demo test install lint bench examples clean clean-venv distclean check-venv

$(BIN)/python:
	@$(PYTHON) -c '$(PY_OK)' 2>/dev/null || { \
	  echo "error: dv needs Python 3.11 or newer; '$(PYTHON)' is" \
	       "$$(command -v $(PYTHON) >/dev/null && $(PYTHON) --version 2>&1 || echo 'not found')." >&2; \
	  echo "Name another interpreter: make PYTHON=python3.11 $(GOAL)" >&2; \
	  exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# a venv made earlier with a wrong Python stays broken until it is removed: say so
check-venv: $(BIN)/python
	@$(BIN)/python -c '$(PY_OK)' 2>/dev/null || { \
	  echo "error: $(VENV) was made with $$($(BIN)/python --version 2>/dev/null || echo 'a broken Python')," \
	       "but dv needs Python 3.11 or newer." >&2; \
	  echo "Remove it with 'make clean-venv' (or rm -rf $(VENV)), then run" \
	       "make PYTHON=python3.11 $(GOAL)" >&2; \
	  exit 2; }

$(VENV)/.installed: pyproject.toml | check-venv
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m dv.yosys_warm
	touch $@

install: check-venv $(VENV)/.installed

# The demo writes under build/demo: the committed example record (coverage/fifo) stays as it is.
demo: install
	$(BIN)/dv generate --rtl rtl_examples/fifo/fifo.sv --spec rtl_examples/fifo/fifo.md \
	    --out build/demo

test: install
	$(BIN)/python -m pytest -n 2 -q

lint: install
	$(BIN)/ruff check dv tests bench

bench: install
	$(BIN)/python bench/closure.py

# Regenerate every committed example (testbenches/<top>, coverage/<top>) with the current dv
# and refresh its regression baseline; tests/test_committed_records.py fails until this is run
# after a change to what dv writes. The scripted LLM example has its own recorder:
#   $(BIN)/python bench/llm_harness.py --record-example coverage/fifo_llm_example
examples: install
	@mkdir -p build; set -e; for d in rtl_examples/*/; do top=$$(basename $$d); \
	  spec=; [ -f $$d$$top.md ] && spec="--spec $$d$$top.md"; \
	  echo "== $$top"; \
	  $(BIN)/dv generate --rtl $$d$$top.sv $$spec > build/examples-$$top.log 2>&1 || \
	    { echo "dv generate $$top failed: build/examples-$$top.log" >&2; exit 1; }; \
	  $(BIN)/dv regress --update-baseline testbenches/$$top >> build/examples-$$top.log 2>&1 || \
	    { echo "dv regress --update-baseline $$top failed: build/examples-$$top.log" >&2; exit 1; }; \
	done

# scratch only; the venv stays (distclean or clean-venv removes it)
clean:
	rm -rf build

clean-venv:
	rm -rf $(VENV)

distclean: clean clean-venv
