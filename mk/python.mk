# Python / Spark side. Owned by the data pipeline.
# Every target installs what it needs: the venv and pinned packages (stamp), then the jars local Spark
# loads instead of resolving them at each start (stamp). Both are skipped when up to date.
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.h3-installed
JARS_DIR := .cache/jars
JARS_STAMP := $(JARS_DIR)/.h3-fetched
DEMO_DIR := demo-out
PIPELINE := PYTHONPATH=notebooks H3_JARS_DIR=$(JARS_DIR) $(PY) -m h3_ml

$(PY_STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(JARS_STAMP): scripts/jars/pom.xml scripts/fetch_jars.sh
	scripts/fetch_jars.sh $(JARS_DIR)
	@touch $@

.PHONY: install-python test-python test-python-fast lint-python demo-pipeline
install-python: $(PY_STAMP) $(JARS_STAMP)

lint-python: $(PY_STAMP)
	$(VENV)/bin/ruff check notebooks tests/pipeline tests/smoke scripts
	$(VENV)/bin/ruff format --check notebooks tests/pipeline tests/smoke scripts

test-python: install-python lint-python
	@mkdir -p $(REPORTS)
	H3_JARS_DIR=$(JARS_DIR) $(VENV)/bin/pytest -p no:cacheprovider 2>&1 | tee $(REPORTS)/pytest.txt; exit $${PIPESTATUS[0]}

# The inner loop: every test but the slow scenario tests (marker `slow` in pyproject.toml).
test-python-fast: install-python lint-python
	H3_JARS_DIR=$(JARS_DIR) $(VENV)/bin/pytest -p no:cacheprovider -m "not slow"

# Generate Capture files, ingest, normalize, delete one user, report: one process and one local SparkSession
# (tools/demo_report), ending with a summary table and $(DEMO_DIR)/report.html. The report counts the dev
# plan's resources per component from the program evaluated under mocks now, not from the committed plan.
demo-pipeline: install-python $(NODE_STAMP)
	rm -rf $(DEMO_DIR)
	npx tsx tools/demo_report/plan.ts dev $(DEMO_DIR)/plan-dev.json
	PYTHONPATH=notebooks:tools H3_JARS_DIR=$(JARS_DIR) $(PY) -m demo_report --out $(DEMO_DIR) \
	  --users 40 --events 1000 --seed 7 --user u-0007 --plan $(DEMO_DIR)/plan-dev.json
