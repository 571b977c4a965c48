import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from h3_ml import registry
from h3_ml.databricks import audit_salt, finish, lake_from, parameters, user_ids
from h3_ml.deletion import DeletionSummary
from h3_ml.lake import Lake
from h3_ml.registry import EventSchema, Field, RegistryError
from h3_ml.tables import DELETION_AUDIT, EVENTS, QUARANTINE, all_tables, silver_spec


def test_the_shipped_registry_is_consistent():
    registry.validate()
    assert registry.event_types() == [
        "measurement.recorded",
        "user.deletion_requested",
        "user.registered",
        "workout.completed",
    ]


def test_a_table_has_the_union_of_its_versions_columns():
    spec = silver_spec("user.registered")
    assert spec.key == "silver.user_registered"
    assert [(f.name, f.dataType.simpleString()) for f in spec.columns.fields] == [
        ("eventId", "string"),
        ("userId", "string"),
        ("schemaVersion", "bigint"),
        ("occurredAt", "timestamp"),
        ("country", "string"),
        ("birthYear", "bigint"),
        ("locale", "string"),
        ("captureFile", "string"),
        ("partitionId", "string"),
        ("sequenceNumber", "bigint"),
        ("offset", "string"),
        ("enqueuedTime", "timestamp"),
        ("userBucket", "int"),
    ]
    assert spec.user_column == "userId"
    assert "userId" not in spec.stats_columns


@pytest.mark.parametrize(
    ("schemas", "message"),
    [
        (
            (EventSchema("a.b", 1, ()), EventSchema("a.b", 1, ())),
            "a.b v1 is registered twice: keep one entry per version",
        ),
        ((EventSchema("a.b", 1, (Field("x", "decimal"),)),), "a.b v1 field 'x' has type 'decimal': use one of"),
        (
            (EventSchema("a.b", 1, (Field("x", "long"),)), EventSchema("a.b", 2, (Field("x", "string"),))),
            "a.b v2 field 'x' is string, but an earlier version declared long",
        ),
        ((EventSchema("a.b", 0, ()),), "a.b version must be 1 or more, got 0"),
    ],
)
def test_fails_when_the_registry_contradicts_itself(schemas, message):
    with pytest.raises(RegistryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        registry.validate(schemas)


def test_every_table_the_pipeline_writes_is_registered_and_deletable(built_lake):
    lake_root = built_lake / "lake"
    written = sorted(str(p.parent.relative_to(lake_root)) for p in Path(lake_root).rglob("_delta_log"))
    registered = {f"{t.schema}/{t.name}": t for t in all_tables()}
    assert set(written) <= set(registered), f"unregistered tables: {set(written) - set(registered)}"
    for spec in registered.values():
        assert spec.user_column or spec.no_user_data_reason, f"{spec.key} says neither where user ids are nor why not"
    # Run through ingest and normalize only; the audit table is written by delete.
    assert set(registered) - set(written) == {"ops/deletion_audit"}


def test_tables_are_named_for_unity_catalog_or_placed_under_the_lake():
    spec = silver_spec("measurement.recorded")
    assert Lake(checkpoints="/Volumes/h3/ops/checkpoints", catalog="h3_dev").table(spec).sql == (
        "h3_dev.silver.measurement_recorded"
    )
    assert Lake.local("/tmp/lake/").table(spec).sql == "delta.`/tmp/lake/silver/measurement_recorded`"


def test_fails_when_the_lake_is_ambiguous_or_the_sla_too_short():
    with pytest.raises(ValueError, match=r"exactly one of root .* or catalog"):
        Lake(checkpoints="/c", root="/x", catalog="h3")
    with pytest.raises(ValueError, match=r"deletion_sla_days must be at least 9 .* got 3"):
        Lake.local("/x", deletion_sla_days=3)


class Widgets:
    def __init__(self, values):
        self.values, self.declared = values, {}

    def text(self, name, default):
        self.declared[name] = default

    def get(self, name):
        return self.values.get(name, self.declared[name])


class Secrets:
    def get(self, scope, key):
        return f"salt from {scope}/{key}"


class Notebook:
    exited: str | None = None

    def exit(self, value):
        self.exited = value


class DbUtils:
    def __init__(self, values):
        self.widgets, self.secrets, self.notebook = Widgets(values), Secrets(), Notebook()


def test_notebook_parameters_become_a_unity_catalog_lake():
    dbutils = DbUtils(
        {
            "catalog": "h3_dev",
            "schema_prefix": "dev_ada_",
            "checkpoints": "/Volumes/h3_dev/dev_ada_ops/checkpoints",
            "user_ids": " a, b ,",
        }
    )
    params = parameters(
        dbutils, catalog="", schema_prefix="", checkpoints="", user_ids="", deletion_sla_days="30", secret_scope="h3-ml"
    )
    assert dbutils.widgets.declared == {
        "catalog": "",
        "schema_prefix": "",
        "checkpoints": "",
        "user_ids": "",
        "deletion_sla_days": "30",
        "secret_scope": "h3-ml",
    }
    lake = lake_from(params)
    assert lake == Lake(
        checkpoints="/Volumes/h3_dev/dev_ada_ops/checkpoints", catalog="h3_dev", schema_prefix="dev_ada_"
    )
    assert [lake.table(s).name for s in (EVENTS, QUARANTINE, DELETION_AUDIT)] == [
        "h3_dev.dev_ada_bronze.events",
        "h3_dev.dev_ada_silver.quarantine",
        "h3_dev.dev_ada_ops.deletion_audit",
    ]
    assert lake_from({**params, "schema_prefix": ""}).table(EVENTS).name == "h3_dev.bronze.events"
    assert user_ids(params["user_ids"]) == ["a", "b"]
    assert audit_salt(dbutils, params["secret_scope"]) == "salt from h3-ml/audit-salt"
    with pytest.raises(ValueError, match="job parameter 'catalog' is empty"):
        lake_from({"catalog": "", "checkpoints": "/c"})
    with pytest.raises(ValueError, match="'deletion_sla_days' must be a whole number of days, got 'soon'"):
        lake_from({"catalog": "c", "checkpoints": "/c", "deletion_sla_days": "soon"})
    with pytest.raises(ValueError, match="job parameter 'secret_scope' is empty"):
        audit_salt(dbutils, "")


@pytest.mark.parametrize("prefix", ["Dev_ada_", "dev-ada_", "dev_ada", "_", "dev ada_", "dév_"])
def test_a_schema_prefix_is_lowercase_letters_digits_and_underscores_ending_with_one(prefix):
    with pytest.raises(ValueError, match=rf"schema_prefix must be empty or .* got {re.escape(repr(prefix))}"):
        lake_from({"catalog": "c", "checkpoints": "/c", "schema_prefix": prefix})


def test_finish_prints_the_summary_and_hands_it_to_the_jobs_api_as_json(capsys):
    dbutils = DbUtils({})
    summary = DeletionSummary(requests=1, rows_removed={"bronze.events": 4}, seconds_to_completed_audit=2.5)
    finish(dbutils, summary)
    assert json.loads(dbutils.notebook.exited) == {
        "already_completed": 0,
        "compacted": {},
        "purged": [],
        "requests": 1,
        "rows_removed": {"bronze.events": 4},
        "seconds_to_completed_audit": 2.5,
    }
    assert "rows_removed: {'bronze.events': 4}" in capsys.readouterr().out
    finish(dbutils, {"at": datetime(2026, 11, 26, 10, 0, tzinfo=UTC), "valid": Counter({"a.b": 2})})
    assert json.loads(dbutils.notebook.exited) == {"at": "2026-11-26T10:00:00+00:00", "valid": {"a.b": 2}}
