# The README's two commands: `make run` (the main job) and `make test`.
# PYTHON=pypy3 makes a second environment (.venv-pypy3) for the PyPy runtime
# (`make run|test|bench|smoke PYTHON=pypy3`); plotting (matplotlib) is left out there.
PYTHON ?= $(or $(PY),python3)
VENV := $(if $(filter python3,$(PYTHON)),.venv,.venv-$(notdir $(PYTHON)))
COMMA := ,
EXTRAS := test$(if $(findstring pypy,$(PYTHON)),,$(COMMA)plot)
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench smoke campaign clean

# The thorough hypothesis profile (long property runs) is spread over the cores.
XDIST := $(if $(filter thorough,$(HYPOTHESIS_PROFILE)),-n auto,)
GUESTS ?= 10000

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	@# the editable install works as intended: setuptools' notice about it is noise
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install -q -e '.[$(EXTRAS)]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/s370vm cp

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider $(XDIST) $(PYTEST_ARGS)

# The equivalence campaign (docs/testing.md): GUESTS generated guests, each run
# bare and under every assist set.
campaign: $(STAMP)
	$(BIN)/python -m tests.campaign --guests $(GUESTS) --assist all

bench: $(STAMP)
	$(BIN)/s370vm bench all

# A minute's check of a runtime (CI runs it under PyPy): a guest on the bare
# machine and under CP with every assist, and the MIPS benchmark.
smoke: $(STAMP)
	$(BIN)/s370vm run guests/s370/bench/mips.asm --max-instructions 200000 --json >/dev/null
	$(BIN)/s370vm run guests/s370/bench/privheavy.asm --under-cp --assist all --json >/dev/null
	$(BIN)/s370vm bench mips --instructions 3000000 --runs 1

clean:
	rm -rf $(VENV) build *.egg-info
