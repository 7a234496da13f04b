# The README's two commands: `make run` (the main job) and `make test`.
# PYTHON=pypy3 makes a second environment (.venv-pypy3) for the PyPy runtime;
# plotting (matplotlib) is left out there.
PYTHON ?= $(or $(PY),python3)
VENV := $(if $(filter python3,$(PYTHON)),.venv,.venv-$(notdir $(PYTHON)))
COMMA := ,
EXTRAS := test$(if $(findstring pypy,$(PYTHON)),,$(COMMA)plot)
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench campaign clean

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

clean:
	rm -rf $(VENV) build *.egg-info
