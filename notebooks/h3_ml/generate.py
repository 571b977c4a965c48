"""Realistic Event Hubs Capture files, written without Spark (fastavro), for demos, tests and benchmarks.

`write_capture_file` writes one file exactly as Capture would; `sample_messages` produces a stream of H3
events with the imperfections real traffic has: backend re-sends (same eventId), malformed bodies, events
from an unknown producer version, and deletion requests.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fastavro

from h3_ml.capture import event_data_schema
from h3_ml.registry import DELETION_REQUESTED


@dataclass(frozen=True)
class Message:
    """One Event Hubs message as the backend sent it."""

    body: bytes | None
    partition_key: str | None = None
    properties: dict = field(default_factory=dict)


def capture_path(
    root: str | Path, enqueued: datetime, *, partition: int, namespace: str = "h3-ns", hub: str = "events"
) -> Path:
    """Capture's default archive name: `{Namespace}/{EventHub}/{PartitionId}/{Y}/{M}/{D}/{h}/{m}/{s}.avro`."""
    t = enqueued.astimezone(UTC)
    return (
        Path(root)
        / namespace
        / hub
        / str(partition)
        / f"{t:%Y}"
        / f"{t:%m}"
        / f"{t:%d}"
        / f"{t:%H}"
        / f"{t:%M}"
        / f"{t:%S}.avro"
    )


def us_locale(t: datetime) -> str:
    """`EnqueuedTimeUtc` as Capture writes it: `12/9/2022 4:51:25 PM`."""
    hour = t.hour % 12 or 12
    return f"{t.month}/{t.day}/{t.year} {hour}:{t:%M:%S} {'PM' if t.hour >= 12 else 'AM'}"


def write_capture_file(
    path: str | Path,
    messages: Sequence[Message],
    *,
    first_sequence_number: int,
    first_offset: int,
    enqueued: datetime,
    codec: str = "deflate",
    properties_nullable: bool = True,
) -> int:
    """Writes one Capture file (possibly header-only) and returns the next offset of the partition."""
    records = []
    offset = first_offset
    for i, message in enumerate(messages):
        at = enqueued + timedelta(milliseconds=10 * i)
        millis = int(at.timestamp() * 1000)
        seq = first_sequence_number + i
        system = {
            "x-opt-sequence-number": seq,
            "x-opt-offset": str(offset),
            "x-opt-enqueued-time": millis,
        }
        if message.partition_key is not None:
            system["x-opt-partition-key"] = message.partition_key
        records.append(
            {
                "SequenceNumber": seq,
                "Offset": str(offset),
                "EnqueuedTimeUtc": us_locale(at),
                "SystemProperties": system,
                "Properties": dict(message.properties),
                "Body": message.body,
            }
        )
        offset += len(message.body or b"") + 64
    schema = fastavro.parse_schema(event_data_schema(properties_nullable=properties_nullable))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        fastavro.writer(out, schema, records, codec=codec)
    return offset


def envelope(
    event_type: str,
    payload: dict,
    *,
    user_id: str | None,
    occurred_at: datetime,
    event_id: str,
    schema_version: int = 1,
) -> dict:
    """The backend's event envelope (docs/pipeline.md, "The event envelope")."""
    return {
        "eventId": event_id,
        "eventType": event_type,
        "schemaVersion": schema_version,
        "occurredAt": occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "userId": user_id,
        "payload": payload,
    }


def encode(body: dict | str) -> bytes:
    return (body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))).encode()


_METRICS = (("heart_rate", "bpm", 50, 120), ("weight", "kg", 50, 110), ("steps", "count", 0, 20000))
_ACTIVITIES = ("run", "walk", "cycle", "swim")
_COUNTRIES = ("NL", "DE", "FR", "GB", "US", "ES")


def _payload(rng: random.Random, event_type: str, occurred: datetime) -> tuple[dict, int]:
    if event_type == "user.registered":
        return {"country": rng.choice(_COUNTRIES), "birthYear": rng.randint(1940, 2008)}, 1
    if event_type == "measurement.recorded":
        metric, unit, low, high = rng.choice(_METRICS)
        return {"metric": metric, "value": round(rng.uniform(low, high), 1), "unit": unit}, 1
    start = occurred - timedelta(minutes=rng.randint(10, 90))
    return {
        "activity": rng.choice(_ACTIVITIES),
        "startedAt": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "durationSeconds": rng.randint(600, 5400),
        "distanceMeters": round(rng.uniform(500, 20000), 1) if rng.random() < 0.8 else None,
    }, 1


def _malformed(rng: random.Random, user_id: str, occurred: datetime) -> bytes:
    """One body of each kind the normalize job must quarantine, picked at random."""
    base = envelope(
        "measurement.recorded",
        {"metric": "weight", "value": 71.5, "unit": "kg"},
        user_id=user_id,
        occurred_at=occurred,
        event_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    )
    kind = rng.randrange(5)
    if kind == 0:
        return b'{"eventId": "truncated'
    if kind == 1:
        del base["payload"]["value"]
    elif kind == 2:
        base["payload"]["value"] = "seventy"
    elif kind == 3:
        base["eventType"] = "measurement.deleted"
    else:
        base["schemaVersion"] = 9
    return encode(base)


@dataclass(frozen=True)
class Sample:
    """What `generate` wrote, so callers can check the pipeline against it."""

    files: int
    messages: int
    duplicates: int
    malformed: int
    deletion_requests: int


def sample_messages(
    *,
    users: int,
    events: int,
    seed: int,
    start: datetime,
    spacing: timedelta = timedelta(seconds=2),
    deletion_requests: bool = True,
) -> Iterable[tuple[datetime, Message, str]]:
    """Yields `(enqueued, message, kind)` in enqueue order; kind is `event`, `duplicate`, `malformed`, `deletion`.
    Without `deletion_requests`, no user asks for deletion (for benchmarks that time the deletions they ask for)."""
    rng = random.Random(seed)
    user_ids = [f"u-{i:04d}" for i in range(1, users + 1)]
    sent: list[tuple[str, bytes]] = []
    requesters = set(rng.sample(user_ids, k=max(1, users // 25))) if deletion_requests else set()
    registered: set[str] = set()
    for i in range(events):
        enqueued = start + spacing * i
        user = rng.choice(user_ids)
        occurred = enqueued - timedelta(seconds=rng.randint(0, 3600))
        roll = rng.random()
        if sent and roll < 0.02:
            key, body = rng.choice(sent)
            yield enqueued, Message(body, partition_key=key), "duplicate"
            continue
        if roll < 0.04:
            yield enqueued, Message(_malformed(rng, user, occurred), partition_key=user), "malformed"
            continue
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if user in requesters and user in registered and i > events * 0.8:
            requesters.discard(user)
            body = encode(
                envelope(
                    DELETION_REQUESTED,
                    {"channel": "app"},
                    user_id=user,
                    occurred_at=occurred,
                    event_id=event_id,
                )
            )
            yield enqueued, Message(body, partition_key=user), "deletion"
            continue
        event_type = (
            "user.registered"
            if user not in registered
            else rng.choices(("measurement.recorded", "workout.completed"), (4, 1))[0]
        )
        registered.add(user)
        payload, version = _payload(rng, event_type, occurred)
        body = encode(
            envelope(
                event_type,
                payload,
                user_id=user,
                occurred_at=occurred,
                event_id=event_id,
                schema_version=version,
            )
        )
        sent.append((user, body))
        yield enqueued, Message(body, partition_key=user), "event"


def generate(
    out: str | Path,
    *,
    users: int,
    events: int,
    seed: int = 1,
    partitions: int = 4,
    window: timedelta = timedelta(minutes=5),
    start: datetime = datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
    spacing: timedelta = timedelta(seconds=2),
    deletion_requests: bool = True,
) -> Sample:
    """Writes Capture files under `out`, one per partition per capture window, plus one header-only file."""
    if users < 1:
        raise ValueError(f"users must be at least 1, got {users}: pass --users 1 or more")
    if events < 1:
        raise ValueError(f"events must be at least 1, got {events}: pass --events 1 or more")
    windows: dict[tuple[int, datetime], list[Message]] = {}
    counts = {"event": 0, "duplicate": 0, "malformed": 0, "deletion": 0}
    messages = sample_messages(
        users=users, events=events, seed=seed, start=start, spacing=spacing, deletion_requests=deletion_requests
    )
    for enqueued, message, kind in messages:
        partition = _partition_of(message.partition_key, partitions)
        opened = start + window * ((enqueued - start) // window)
        windows.setdefault((partition, opened), []).append(message)
        counts[kind] += 1
    sequence = dict.fromkeys(range(partitions), 0)
    offsets = dict.fromkeys(range(partitions), 0)
    for (partition, opened), messages in sorted(windows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        path = capture_path(out, opened, partition=partition)
        offsets[partition] = write_capture_file(
            path,
            [Message(m.body, m.partition_key, {"content-type": "application/json"}) for m in messages],
            first_sequence_number=sequence[partition],
            first_offset=offsets[partition],
            enqueued=opened,
        )
        sequence[partition] += len(messages)
    # Capture writes a header-only file for a window with no traffic unless skipEmptyArchives is set.
    last = max(opened for _, opened in windows) + window * 2
    write_capture_file(capture_path(out, last, partition=0), [], first_sequence_number=0, first_offset=0, enqueued=last)
    return Sample(
        files=len(windows) + 1,
        messages=sum(counts.values()),
        duplicates=counts["duplicate"],
        malformed=counts["malformed"],
        deletion_requests=counts["deletion"],
    )


def write_deletion_request(
    root: str | Path,
    user_id: str,
    *,
    request_id: str | None = None,
    at: datetime | None = None,
    channel: str = "operator",
    partitions: int = 4,
) -> str:
    """One `user.deletion_requested` event in a Capture file of its own, as Capture would write the backend's or
    an operator's request; returns the request id (the eventId)."""
    at = (at or datetime.now(UTC)).astimezone(UTC)
    rid = request_id or str(uuid.uuid4())
    body = encode(envelope(DELETION_REQUESTED, {"channel": channel}, user_id=user_id, occurred_at=at, event_id=rid))
    partition = _partition_of(user_id, partitions)
    path = capture_path(root, at, partition=partition)
    while path.exists():  # one file per partition and second, as Capture names them
        at += timedelta(seconds=1)
        path = capture_path(root, at, partition=partition)
    millis = int(at.timestamp() * 1000)
    write_capture_file(
        path, [Message(body, partition_key=user_id)], first_sequence_number=millis, first_offset=millis, enqueued=at
    )
    return rid


def _partition_of(key: str | None, partitions: int) -> int:
    # Event Hubs hashes the partition key; any stable hash gives the same property: one user, one partition.
    return int.from_bytes(uuid.uuid5(uuid.NAMESPACE_OID, key or "").bytes[:4], "big") % partitions
