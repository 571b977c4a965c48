"""Databricks-only glue for the notebooks: job parameters (widgets) to checked values, and the run's summary
handed back to the Jobs API.

`dbutils` is passed in, never imported, so the package stays importable and testable without Databricks.
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime

from h3_ml import parameters
from h3_ml.lake import Lake


def job_parameters(dbutils, job: str) -> dict[str, object]:
    """The run's parameters (notebook widgets, declared with their defaults), checked against the contract."""
    return parameters.parse(job, parameters.declare(dbutils, job))


def lake_from(params: dict[str, object]) -> Lake:
    """`catalog` and `schema_prefix` name Unity Catalog tables `<catalog>.<prefix>bronze.events`; `checkpoints`
    is a volume folder."""
    return Lake.from_parameters(params)


def summary_dict(summary) -> dict:
    return asdict(summary) if is_dataclass(summary) else dict(summary)


def show(summary) -> None:
    """The run summary, one line per figure, for the job run's output."""
    for key, value in summary_dict(summary).items():
        print(f"{key}: {value}")


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def finish(dbutils, summary) -> None:
    """Prints the summary, then ends the notebook with it as JSON (timestamps as ISO 8601 text).

    The Jobs API returns that text as `notebook_output.result` of `runs/get-output` (its first 5 MB), so a
    caller reads the delete job's `request` and `rows_removed` without parsing logs:
    https://databricks.github.io/sdk-js/api/interfaces/_databricks_sdk-jobs.v2.NotebookTask_NotebookOutput.html
    """
    show(summary)
    dbutils.notebook.exit(json.dumps(summary_dict(summary), default=_json_value, sort_keys=True))
