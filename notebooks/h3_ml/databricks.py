"""Databricks-only glue for the notebooks: job parameters (widgets) and secrets to plain values, and the run's
summary handed back to the Jobs API.

`dbutils` is passed in, never imported, so the package stays importable and testable without Databricks.
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime

from h3_ml.lake import DEFAULT_DELETION_SLA_DAYS, Lake

DEFAULT_SECRET_SCOPE = "h3-ml"
AUDIT_SALT_KEY = "audit-salt"


def parameters(dbutils, **defaults: str) -> dict[str, str]:
    """Declares each widget with its default (so the notebook runs by hand too) and returns the values."""
    values = {}
    for name, default in defaults.items():
        dbutils.widgets.text(name, default)
        values[name] = dbutils.widgets.get(name).strip()
    return values


def lake_from(params: dict[str, str]) -> Lake:
    """`catalog` and `schema_prefix` name Unity Catalog tables `<catalog>.<prefix>bronze.events`; `checkpoints`
    is a volume folder."""
    for name in ("catalog", "checkpoints"):
        if not params.get(name):
            raise ValueError(f"job parameter {name!r} is empty: set it on the job task (see components/)")
    sla = params.get("deletion_sla_days") or str(DEFAULT_DELETION_SLA_DAYS)
    if not sla.isdigit():
        raise ValueError(f"job parameter 'deletion_sla_days' must be a whole number of days, got {sla!r}")
    return Lake(
        checkpoints=params["checkpoints"],
        catalog=params["catalog"],
        schema_prefix=params.get("schema_prefix", ""),
        deletion_sla_days=int(sla),
    )


def user_ids(text: str) -> list[str]:
    """The `user_ids` parameter: comma-separated, empty for the scheduled run (event requests only)."""
    return [u.strip() for u in text.split(",") if u.strip()]


def audit_salt(dbutils, scope: str) -> str:
    """The salt of `ops.deletion_audit`'s user hashes: secret `audit-salt` in the `secret_scope` parameter's scope."""
    if not scope:
        raise ValueError(
            f"job parameter 'secret_scope' is empty: set it to the secret scope holding {AUDIT_SALT_KEY!r} "
            f"(default {DEFAULT_SECRET_SCOPE!r})"
        )
    return dbutils.secrets.get(scope=scope, key=AUDIT_SALT_KEY)


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
    caller reads the delete job's `rows_removed` without parsing logs:
    https://databricks.github.io/sdk-js/api/interfaces/_databricks_sdk-jobs.v2.NotebookTask_NotebookOutput.html
    """
    show(summary)
    dbutils.notebook.exit(json.dumps(summary_dict(summary), default=_json_value, sort_keys=True))
