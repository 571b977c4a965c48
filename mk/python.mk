# Python / Spark side. Owned by the data pipeline.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install-python test-python demo-pipeline
install-python:
	@echo "install-python: not yet implemented"

test-python: install-python
	@echo "test-python: not yet implemented"

demo-pipeline: install-python
	@echo "demo-pipeline: not yet implemented"
