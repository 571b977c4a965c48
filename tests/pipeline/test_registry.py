from pathlib import Path

import pytest

from h3_ml import registry
from h3_ml.databricks import lake_from, parameters, user_ids
from h3_ml.lake import Lake
from h3_ml.registry import EventSchema, Field, RegistryError
from h3_ml.tables import all_tables, silver_spec


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


class DbUtils:
    def __init__(self, values):
        self.widgets = Widgets(values)


def test_notebook_parameters_become_a_unity_catalog_lake():
    dbutils = DbUtils({"catalog": "h3_prod", "checkpoints": "/Volumes/h3_prod/ops/checkpoints", "user_ids": " a, b ,"})
    params = parameters(dbutils, catalog="", checkpoints="", user_ids="", deletion_sla_days="30")
    assert dbutils.widgets.declared == {"catalog": "", "checkpoints": "", "user_ids": "", "deletion_sla_days": "30"}
    assert lake_from(params) == Lake(checkpoints="/Volumes/h3_prod/ops/checkpoints", catalog="h3_prod")
    assert user_ids(params["user_ids"]) == ["a", "b"]
    with pytest.raises(ValueError, match="job parameter 'catalog' is empty"):
        lake_from({"catalog": "", "checkpoints": "/c"})
    with pytest.raises(ValueError, match="'deletion_sla_days' must be a whole number of days, got 'soon'"):
        lake_from({"catalog": "c", "checkpoints": "/c", "deletion_sla_days": "soon"})
