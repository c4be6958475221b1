# The two set-up commands of the README, and a few helpers. Needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Every entry point (CLI, notebook kernels, tests) must agree on where the embedded server lives.
export WODLAB_HOME ?= $(CURDIR)/.wodlab
# mkdocs-material prints a notice about a future mkdocs on every build; the build log stays about the build.
export NO_MKDOCS_2_WARNING := 1

.PHONY: demo test test-fast lint lab db-stop clean docs notebooks check-reports

LINTED := wodlab tests benchmarks notebooks/conftest.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the package definition changes; the stamp records which extras were installed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/wodlab db start
	$(BIN)/wodlab init
	$(BIN)/wodlab load box fixtures/sim
	$(BIN)/wodlab load wods fixtures/wods
	@echo; echo "== Workouts with thrusters and pull-ups (seed query 1)"
	$(BIN)/wodlab query wods_with_all_movements movements=thruster,pull_up
	@echo; echo "== 12-minute AMRAPs (seed query 2)"
	$(BIN)/wodlab query wods_by_form_and_duration form=amrap duration_seconds=720
	@echo; echo "== Short workouts of moderate difficulty (seed query 2)"
	$(BIN)/wodlab query wods_by_duration_and_difficulty min_seconds=300 max_seconds=900 min_difficulty=40 max_difficulty=70
	@echo; echo "== Fran leaderboard of the simulated box"
	$(BIN)/wodlab query leaderboard wod=Fran track=RX limit=10
	@echo; echo "== The curated notebooks, as HTML reports"
	$(BIN)/wodlab report --notebooks notebooks --out build/reports
	@echo; echo "The database keeps running (data in $(WODLAB_HOME)); stop it with: $(BIN)/wodlab db stop"

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with nbval_sanitize.cfg --nbval-cell-timeout 300

# pytest's exit code 5 (no test collected) fails the target like any other failure.
# The notebooks run under strict nbval against a fresh embedded server loaded with fixtures/sim
# (notebooks/conftest.py starts it); then the documentation site must build with --strict. pytest runs
# in two processes (pytest-xdist), each with its own embedded server.
test: $(VENV)/.installed-test lint
	$(BIN)/python -m pytest -n 2
	$(BIN)/python -m pytest $(NBVAL) notebooks/
	$(MAKE) --no-print-directory docs

# The everyday lane: every test not marked slow, in two processes (each its own embedded server): about a
# minute on two cores. `make test` stays the full gate.
test-fast: $(VENV)/.installed-test lint
	$(BIN)/python -m pytest -m "not slow" -n 2

# ruff, configured in pyproject.toml; a lint error fails `make test` (and so CI) before any test runs.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(LINTED)

lab: $(VENV)/.installed
	$(BIN)/wodlab db start
	$(BIN)/wodlab load box fixtures/sim
	$(BIN)/jupyter lab notebooks/

# Open the reports of `make demo` in headless Chromium: every figure drawn, no JavaScript error.
# Installs Debian's chromium when it is missing (needs root and apt).
check-reports: $(VENV)/.installed
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	$(BIN)/wodlab report --out build/reports --check

# Re-execute the notebooks in place on a fresh fixture database: their new committed outputs.
notebooks: $(VENV)/.installed
	$(BIN)/wodlab notebooks refresh --notebooks notebooks --fixture fixtures/sim

# The documentation site, offline, into build/site: the query reference regenerated from the headers of
# sql/queries/*.sql, the notebooks copied with their figures drawn, then mkdocs with --strict.
QUERY_REFERENCE := docs/reference/queries.md
docs: $(VENV)/.installed-test
	$(BIN)/python -c "import re, pathlib, subprocess; p = pathlib.Path('$(QUERY_REFERENCE)'); ref = subprocess.run(['$(BIN)/wodlab', 'query', '--markdown'], capture_output=True, text=True, check=True).stdout; p.write_text(re.sub(r'(?s)(<!-- queries:begin -->\n).*?(<!-- queries:end -->)', lambda m: m[1] + ref + m[2], p.read_text()))"
	$(BIN)/wodlab notebooks docs --notebooks notebooks --out docs/notebooks
	$(BIN)/mkdocs build --strict --quiet
	@echo "documentation site: $(CURDIR)/build/site/index.html"

db-stop:
	-$(BIN)/wodlab db stop

clean: db-stop
	rm -rf $(VENV) build .pytest_cache
