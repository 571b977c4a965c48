"""Databricks-only glue for the notebooks: job parameters (widgets) and secrets to plain values.

`dbutils` is passed in, never imported, so the package stays importable and testable without Databricks.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

from h3_ml.lake import DEFAULT_DELETION_SLA_DAYS, Lake

AUDIT_SALT_SCOPE, AUDIT_SALT_KEY = "h3-ml", "audit-salt"


def parameters(dbutils, **defaults: str) -> dict[str, str]:
    """Declares each widget with its default (so the notebook runs by hand too) and returns the values."""
    values = {}
    for name, default in defaults.items():
        dbutils.widgets.text(name, default)
        values[name] = dbutils.widgets.get(name).strip()
    return values


def lake_from(params: dict[str, str]) -> Lake:
    """`catalog` names Unity Catalog tables `catalog.bronze.events`; `checkpoints` is a volume folder."""
    for name in ("catalog", "checkpoints"):
        if not params.get(name):
            raise ValueError(f"job parameter {name!r} is empty: set it on the job task (see components/)")
    sla = params.get("deletion_sla_days") or str(DEFAULT_DELETION_SLA_DAYS)
    if not sla.isdigit():
        raise ValueError(f"job parameter 'deletion_sla_days' must be a whole number of days, got {sla!r}")
    return Lake(checkpoints=params["checkpoints"], catalog=params["catalog"], deletion_sla_days=int(sla))


def user_ids(text: str) -> list[str]:
    """The `user_ids` parameter: comma-separated, empty for the scheduled run (event requests only)."""
    return [u.strip() for u in text.split(",") if u.strip()]


def audit_salt(dbutils) -> str:
    return dbutils.secrets.get(scope=AUDIT_SALT_SCOPE, key=AUDIT_SALT_KEY)


def show(summary) -> None:
    """The run summary, one line per figure, for the job run's output."""
    for key, value in (asdict(summary) if is_dataclass(summary) else summary).items():
        print(f"{key}: {value}")
