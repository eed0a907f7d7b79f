# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(PY) -m pip
KG      = $(VENV)/bin/kg

.PHONY: demo test lint format install install-dev clean bench train

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(KG) build seeds/ --out out/
	$(KG) query "SELECT ?operator ?site (MAX(?c) AS ?confidence) WHERE { ?o ekg:operates ?s . ?o rdfs:label ?operator . \
		?s rdfs:label ?site . ?claim rdf:subject ?o ; rdf:predicate ekg:operates ; rdf:object ?s ; ekg:confidence ?c } \
		GROUP BY ?operator ?site ORDER BY DESC(?confidence)" --store out/

# Rebuilds the model shipped in the package (kg/models/default) from ../shared, deterministically (fixed seeds).
SHARED ?= ../shared/datasets
train: $(VENV)/.installed
	$(KG) train $(SHARED)/ecosystem-news/train.json $(SHARED)/popcorn/train.json $(SHARED)/popcorn/synthetic.json \
		--out kg/models/default --dev $(SHARED)/ecosystem-news/dev.json

test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check kg tests bench
	$(PY) -m pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check kg tests bench
	$(VENV)/bin/ruff format --check kg tests bench

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format kg tests bench

clean:
	rm -rf out build dist *.egg-info .pytest_cache .ruff_cache
