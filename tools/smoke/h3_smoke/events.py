"""The synthetic user's events, valid by the package's own registry, so normalize takes every one to silver."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from h3_ml.generate import encode, envelope
from h3_ml.registry import DELETION_REQUESTED, EVENT_SCHEMAS, EventSchema, table_name

# One value per declared field type, each of the JSON kind normalize accepts for it (registry.FIELD_TYPES).
_VALUES = {"string": "smoke", "long": 1, "double": 1.5, "boolean": True}


def _latest() -> list[EventSchema]:
    """The newest version of every event type a person's activity produces (not deletion requests)."""
    latest: dict[str, EventSchema] = {}
    for schema in EVENT_SCHEMAS:
        if schema.event_type == DELETION_REQUESTED:
            continue
        if schema.event_type not in latest or schema.version > latest[schema.event_type].version:
            latest[schema.event_type] = schema
    return [latest[t] for t in sorted(latest)]


def _payload(schema: EventSchema, occurred: datetime) -> dict:
    return {
        f.name: occurred.strftime("%Y-%m-%dT%H:%M:%SZ") if f.type == "timestamp" else _VALUES[f.type]
        for f in schema.fields
    }


def synthetic_user() -> str:
    return f"h3-smoke-{uuid.uuid4().hex[:16]}"


def synthetic_events(user_id: str, count: int, now: datetime | None = None) -> tuple[list[bytes], Counter]:
    """`count` bodies spread over the event types, and how many of each silver table they make."""
    start = (now or datetime.now(UTC)) - timedelta(minutes=count)
    schemas = _latest()
    bodies: list[bytes] = []
    per_table: Counter = Counter()
    for i in range(count):
        schema = schemas[i % len(schemas)]
        occurred = start + timedelta(minutes=i)
        bodies.append(
            encode(
                envelope(
                    schema.event_type,
                    _payload(schema, occurred),
                    user_id=user_id,
                    occurred_at=occurred,
                    event_id=str(uuid.uuid4()),
                    schema_version=schema.version,
                )
            )
        )
        per_table[table_name(schema.event_type)] += 1
    return bodies, per_table
