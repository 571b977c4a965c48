"""The event schema registry: which event types exist, their payload fields and what each table holds.

Data, not code paths: adding an event type or a schema version is adding an entry here. Normalize derives
validation, typed columns and the silver table from it; deletion finds the table through `tables.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import types as T

# Declared type -> (Spark column type, JSON value kinds accepted as reported by `schema_of_variant`).
FIELD_TYPES: dict[str, tuple[T.DataType, tuple[str, ...]]] = {
    "string": (T.StringType(), ("STRING",)),
    "long": (T.LongType(), ("BIGINT",)),
    "double": (T.DoubleType(), ("BIGINT", "DOUBLE", "DECIMAL")),
    "boolean": (T.BooleanType(), ("BOOLEAN",)),
    # ISO 8601 text; a string that does not parse is a wrong type, not a missing field.
    "timestamp": (T.TimestampType(), ("STRING",)),
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = True


@dataclass(frozen=True)
class EventSchema:
    """One version of one event type."""

    event_type: str
    version: int
    fields: tuple[Field, ...]
    # Every event about a person carries userId; deletion keys on it.
    user_id_required: bool = True


EVENT_SCHEMAS: tuple[EventSchema, ...] = (
    EventSchema(
        "user.registered",
        1,
        (Field("country", "string"), Field("birthYear", "long", required=False)),
    ),
    EventSchema(
        "user.registered",
        2,
        (Field("country", "string"), Field("birthYear", "long", required=False), Field("locale", "string")),
    ),
    EventSchema(
        "measurement.recorded",
        1,
        (Field("metric", "string"), Field("value", "double"), Field("unit", "string")),
    ),
    EventSchema(
        "workout.completed",
        1,
        (
            Field("activity", "string"),
            Field("startedAt", "timestamp"),
            Field("durationSeconds", "long"),
            Field("distanceMeters", "double", required=False),
        ),
    ),
    EventSchema("user.deletion_requested", 1, (Field("channel", "string", required=False),)),
)

DELETION_REQUESTED = "user.deletion_requested"


class RegistryError(ValueError):
    """The registry contradicts itself; raised before any job touches data."""


def table_name(event_type: str) -> str:
    """Silver table of an event type: `measurement.recorded` -> `measurement_recorded`."""
    return event_type.replace(".", "_").replace("-", "_")


def event_types(schemas: tuple[EventSchema, ...] = EVENT_SCHEMAS) -> list[str]:
    return sorted({s.event_type for s in schemas})


def versions(event_type: str, schemas: tuple[EventSchema, ...] = EVENT_SCHEMAS) -> list[EventSchema]:
    return sorted((s for s in schemas if s.event_type == event_type), key=lambda s: s.version)


def payload_columns(event_type: str, schemas: tuple[EventSchema, ...] = EVENT_SCHEMAS) -> list[Field]:
    """Union of the payload fields over every version, in first-seen order; a column is never retyped."""
    columns: dict[str, Field] = {}
    for schema in versions(event_type, schemas):
        for f in schema.fields:
            seen = columns.get(f.name)
            if seen is not None and seen.type != f.type:
                raise RegistryError(
                    f"{event_type} v{schema.version} field {f.name!r} is {f.type}, but an earlier version "
                    f"declared {seen.type}: a field keeps its type across versions; add a new field instead"
                )
            columns.setdefault(f.name, f)
    return list(columns.values())


def validate(schemas: tuple[EventSchema, ...] = EVENT_SCHEMAS) -> None:
    """Checks the registry's own consistency: unique (type, version), known field types, stable columns."""
    seen: set[tuple[str, int]] = set()
    for s in schemas:
        key = (s.event_type, s.version)
        if key in seen:
            raise RegistryError(f"{s.event_type} v{s.version} is registered twice: keep one entry per version")
        seen.add(key)
        if s.version < 1:
            raise RegistryError(f"{s.event_type} version must be 1 or more, got {s.version}")
        names = [f.name for f in s.fields]
        if len(set(names)) != len(names):
            raise RegistryError(f"{s.event_type} v{s.version} repeats a field name: {names}")
        for f in s.fields:
            if f.type not in FIELD_TYPES:
                raise RegistryError(
                    f"{s.event_type} v{s.version} field {f.name!r} has type {f.type!r}: "
                    f"use one of {sorted(FIELD_TYPES)}"
                )
    for event_type in event_types(schemas):
        payload_columns(event_type, schemas)
