import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from h3_ml import parameters, registry
from h3_ml.databricks import finish, job_parameters, lake_from
from h3_ml.deletion import DeletionSummary
from h3_ml.lake import Lake, quote
from h3_ml.parameters import ParameterError
from h3_ml.registry import EventSchema, Field, RegistryError
from h3_ml.tables import DELETION_AUDIT, EVENTS, QUARANTINE, all_tables, silver_spec

from .helpers import DbUtils


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
    # Run through ingest and normalize only; the ops tables are written by delete.
    assert set(registered) - set(written) == {"ops/deletion_audit", "ops/audit_salt", "ops/capture_files"}


def test_tables_are_named_for_unity_catalog_or_placed_under_the_lake():
    spec = silver_spec("measurement.recorded")
    assert Lake(checkpoints="/Volumes/h3/ops/checkpoints", catalog="h3_dev").table(spec).sql == (
        "`h3_dev`.`silver`.`measurement_recorded`"
    )
    assert Lake.local("/tmp/lake/").table(spec).sql == "delta.`/tmp/lake/silver/measurement_recorded`"


def test_fails_when_the_lake_is_ambiguous_or_the_sla_too_short():
    with pytest.raises(ValueError, match=r"exactly one of root .* or catalog"):
        Lake(checkpoints="/c", root="/x", catalog="h3")
    with pytest.raises(ValueError, match=r"deletion_sla_days must be at least 9 .* got 3"):
        Lake.local("/x", deletion_sla_days=3)


LOCATION = {"catalog": "h3_dev", "schema_prefix": "dev_ada_", "checkpoints": "/Volumes/h3_dev/dev_ada_ops/checkpoints"}


def test_notebook_parameters_are_declared_from_the_contract_and_become_a_unity_catalog_lake():
    dbutils = DbUtils({**LOCATION, "capture_root": "abfss://capture@lake.dfs.core.windows.net/"})
    params = job_parameters(dbutils, "delete")
    assert dbutils.widgets.declared == {
        "catalog": "",
        "schema_prefix": "",
        "checkpoints": "",
        "deletion_sla_days": "30",
        "unattributed_days": "",
        "capture_root": "",
        "request_id": "",
        "open_request_hours": "30",
        "capture_lag_hours": "6",
        "rotate_salt": "false",
    }
    assert params == {
        **LOCATION,
        "deletion_sla_days": 30,
        "unattributed_days": None,
        "capture_root": "abfss://capture@lake.dfs.core.windows.net/",
        "request_id": "",
        "open_request_hours": 30,
        "capture_lag_hours": 6,
        "rotate_salt": False,
    }
    lake = lake_from(params)
    assert lake == Lake(checkpoints=LOCATION["checkpoints"], catalog="h3_dev", schema_prefix="dev_ada_")
    assert [lake.table(s).name for s in (EVENTS, QUARANTINE, DELETION_AUDIT)] == [
        "`h3_dev`.`dev_ada_bronze`.`events`",
        "`h3_dev`.`dev_ada_silver`.`quarantine`",
        "`h3_dev`.`dev_ada_ops`.`deletion_audit`",
    ]
    assert lake_from({**params, "schema_prefix": ""}).table(EVENTS).name == "`h3_dev`.`bronze`.`events`"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"catalog": ""}, "job parameter catalog is empty: Fix: set it on the job run to Unity Catalog catalog"),
        ({"catalog": "h3.dev"}, "job parameter catalog is 'h3.dev': Fix: set it on the job run to Unity Catalog"),
        (
            {"deletion_sla_days": "3650"},
            "job parameter deletion_sla_days is 3650, outside 9..30: Fix: set it on the job run to a whole number "
            "from 9..30, or leave it empty for the default (30)",
        ),
        ({"deletion_sla_days": "soon"}, "job parameter deletion_sla_days is 'soon', not a whole number"),
        ({"open_request_hours": "0"}, "job parameter open_request_hours is 0, outside 1..48"),
        ({"rotate_salt": "maybe"}, "job parameter rotate_salt is 'maybe', not true or false"),
        ({"request_id": "u 1; DROP"}, "job parameter request_id is 'u 1; DROP': Fix: set it on the job run to the"),
        ({"schema_prefix": "Dev_ada_"}, "job parameter schema_prefix is 'Dev_ada_'"),
    ],
)
def test_a_parameter_outside_the_contract_fails_the_run_naming_it_and_the_fix(values, message):
    raw = {**LOCATION, "capture_root": "/capture", **values}
    with pytest.raises(ParameterError, match=re.escape(message)):
        job_parameters(DbUtils(raw), "delete")


def test_unattributed_days_must_leave_the_sla_room_for_the_retention():
    too_long = DbUtils({**LOCATION, "deletion_sla_days": "20", "unattributed_days": "12"})
    with pytest.raises(ValueError, match=r"unattributed_days is 12 with deletion_sla_days 20: .* so it can be 0\.\.11"):
        lake_from(job_parameters(too_long, "normalize"))
    # Left empty: 7 days, or what the SLA leaves.
    assert [Lake.local("/x", deletion_sla_days=sla).unattributed for sla in (30, 16, 10, 9)] == [7, 7, 1, 0]


@pytest.mark.parametrize("prefix", ["Dev_ada_", "dev-ada_", "dev_ada", "_", "dev ada_", "dév_"])
def test_a_schema_prefix_is_lowercase_letters_digits_and_underscores_ending_with_one(prefix):
    with pytest.raises(ValueError, match=rf"schema_prefix must be empty or .* got {re.escape(repr(prefix))}"):
        Lake(checkpoints="/c", catalog="c", schema_prefix=prefix)


def test_identifiers_are_quoted_whatever_a_parameter_holds():
    assert quote("h3`dev", "bronze", "events") == "`h3``dev`.`bronze`.`events`"
    assert Lake.local("/tmp/l`ake").table(EVENTS).sql == "delta.`/tmp/l``ake/bronze/events`"


def test_finish_prints_the_summary_and_hands_it_to_the_jobs_api_as_json(capsys):
    dbutils = DbUtils({})
    summary = DeletionSummary(requests=1, rows_removed={"bronze.events": 4}, seconds_to_completed_audit=2.5)
    finish(dbutils, summary)
    assert json.loads(dbutils.notebook.exited) == {
        "already_completed": 0,
        "compacted": {},
        "expired": {},
        "repaired": {},
        "request": None,
        "requests": 1,
        "rows_removed": {"bronze.events": 4},
        "salt_version": None,
        "scanned": 0,
        "seconds_to_completed_audit": 2.5,
        "vacuumed": [],
    }
    assert "rows_removed: {'bronze.events': 4}" in capsys.readouterr().out
    finish(dbutils, {"at": datetime(2026, 11, 26, 10, 0, tzinfo=UTC), "valid": Counter({"a.b": 2})})
    assert json.loads(dbutils.notebook.exited) == {"at": "2026-11-26T10:00:00+00:00", "valid": {"a.b": 2}}


def test_the_docs_show_the_parameter_contract_as_it_is():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "pipeline.md").read_text()
    assert parameters.markdown() in docs, "docs/pipeline.md: paste the output of `python -m h3_ml.parameters`"
