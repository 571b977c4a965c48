# Benchmarks: each prints ratios measured side by side in one run, with its parameters. Owned by the benchmarks.
# Never part of `make test`: a full run takes many minutes and means little on a busy machine.
#   make bench                                   plan evaluation, then the pipeline on 1M events, then deletes
#                                                as the lake ages (96 hourly batches of 20,000 events)
#   make bench BENCH_EVENTS=100000 BENCH_USERS=1000 BENCH_FILES=100 BENCH_REPEAT=1 BENCH_RUNS=3
# Generated Capture files are cached in $(BENCH_CACHE) per parameter set; figures go to $(REPORTS)/bench.*.
BENCH_EVENTS ?= 1000000
BENCH_USERS ?= 10000
BENCH_FILES ?= 400
BENCH_REPEAT ?= 2
BENCH_RUNS ?= 7
BENCH_STACK ?= prod
BENCH_CACHE ?= .cache/bench
# The delete-by-age scenario: hourly batches, the delete job's daily run every BENCH_AGE_DAILY hours and at each age,
# where a run-now for one user's request follows it.
BENCH_AGE_USERS ?= 2000
BENCH_AGE_EVENTS ?= 20000
BENCH_AGES ?= 2,24,96
BENCH_AGE_DAILY ?= 24
BENCH_SCENARIOS ?= ingest,normalize,floor,delete,aging

.PHONY: bench bench-plan bench-pipeline lint-bench
bench: bench-plan bench-pipeline

bench-plan: $(NODE_STAMP)
	@mkdir -p $(REPORTS)
	npx tsc --noEmit -p bench/tsconfig.json
	node --import tsx bench/plan.ts --runs $(BENCH_RUNS) --stack $(BENCH_STACK) 2>&1 | tee $(REPORTS)/bench-plan.txt; \
	  exit $${PIPESTATUS[0]}

bench-pipeline: install-python
	@mkdir -p $(REPORTS)
	PYTHONPATH=notebooks:tools:bench H3_JARS_DIR=$(JARS_DIR) $(PY) bench/pipeline.py --events $(BENCH_EVENTS) \
	  --users $(BENCH_USERS) --files $(BENCH_FILES) --repeat $(BENCH_REPEAT) --cache $(BENCH_CACHE) \
	  --work $(BENCH_CACHE)/work --json $(REPORTS)/bench-pipeline.json --scenarios $(BENCH_SCENARIOS) \
	  --age-users $(BENCH_AGE_USERS) --age-events $(BENCH_AGE_EVENTS) --ages $(BENCH_AGES) \
	  --age-daily-every $(BENCH_AGE_DAILY) | tee $(REPORTS)/bench-pipeline.txt; \
	  exit $${PIPESTATUS[0]}

# The benchmark and demo-report code is linted with the package.
lint-python: lint-bench
lint-bench: $(PY_STAMP)
	$(VENV)/bin/ruff check bench tools
	$(VENV)/bin/ruff format --check bench tools
