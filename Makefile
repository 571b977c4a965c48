# H3 ML — every target installs what it needs and skips what is already installed.
#   make demo   the dev plan under Pulumi mocks, then the pipeline end to end on local Spark
#   make test   type check, lint and every test suite (mocha under mocks and with the real Pulumi CLI, the
#               policy pack, pytest on local Spark)
#   make test-fast  the inner loop: type check, lint, mocha under mocks, pytest without the slow scenarios
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Test output goes here as well as to the terminal, so .ci/run can add the suites up.
REPORTS := .reports

include mk/node.mk
include mk/python.mk
include mk/deploy.mk
include mk/policy.mk
include mk/bench.mk

.PHONY: help demo test test-fast clean
help:
	@echo "make demo       dev plan under mocks + pipeline on local Spark (no cloud account)"
	@echo "make test       type check, lint and all tests"
	@echo "make test-fast  type check, lint, the unit tests and the quick pipeline tests"

demo: demo-plan demo-pipeline

test: test-node test-cli test-policy test-python

test-fast: test-node test-python-fast

clean:
	rm -rf $(REPORTS) node_modules .venv .cache
