"""Hostile Event Hubs bodies, each with the one outcome normalize must give it, and the Capture files holding them.

Seeded, so a failing body reproduces. The outcome of every body follows from the event contract (docs/pipeline.md,
"Quarantine reasons"), never from running the pipeline: `Hostile.expect` is what the tests check the lake against.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from h3_ml import normalize as n
from h3_ml.registry import EVENT_SCHEMAS, EventSchema, Field, event_types
from h3_ml.tables import QUARANTINE, silver_spec

from .helpers import T0, write_file

SILVER = "silver"
# The envelope as normalize checks it, in its order.
ENVELOPE = (
    Field("eventId", "string"),
    Field("eventType", "string"),
    Field("schemaVersion", "long"),
    Field("occurredAt", "timestamp"),
)


@dataclass(frozen=True)
class Hostile:
    kind: str
    body: bytes | None
    # For a valid event: (SILVER, event type, eventId); for a bad one: (reason, detail regex).
    expect: tuple
    user_id: str | None = None  # checked verbatim in silver when set

    @property
    def valid(self) -> bool:
        return self.expect[0] == SILVER


def _bad(kind: str, body: bytes | None, reason: str, detail: str, *, prefix: bool = False) -> Hostile:
    if body is not None and not _utf8(body):
        # Checked before anything in the body: text that is not UTF-8 is not read as JSON at all.
        reason, detail, prefix = n.NOT_UTF8, "body is not valid UTF-8", False
    pattern = re.escape(detail) + (".+" if prefix else "")
    return Hostile(kind, body, (reason, pattern))


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")  # strict: no surrogates, nothing past U+10FFFF
    except UnicodeDecodeError:
        return False
    return True


def _dump(doc, rng: random.Random) -> bytes:
    # Both encodings the backend may use: \u escapes or raw UTF-8, compact or indented.
    ascii_only = rng.random() < 0.5
    indent = 2 if rng.random() < 0.2 else None
    text = json.dumps(doc, ensure_ascii=ascii_only, indent=indent)
    return text.encode("utf-8", "surrogatepass")


_WORDS = ("run", "weight", "kg", "NL", "de-DE", "steps", "bpm", "walk")


def _value(rng: random.Random, f: Field):
    if f.type == "string":
        return rng.choice(_WORDS)
    if f.type == "long":
        return rng.randint(-(2**40), 2**40)
    if f.type == "double":
        return rng.choice([round(rng.uniform(-1e6, 1e6), 3), rng.randint(0, 1000)])
    if f.type == "boolean":
        return rng.random() < 0.5
    return (T0 - timedelta(seconds=rng.randint(0, 10**6))).strftime("%Y-%m-%dT%H:%M:%SZ")


# JSON values of each kind normalize must refuse for a declared type (null is "missing", not a wrong type).
_WRONG = {
    "string": [7, 1.5, True, ["a"], {"a": 1}],
    "long": ["12", 1.5, 2.0, True, [1], {"a": 1}, 2**64],
    "double": ["1.5", True, [1.5], {"v": 1}],
    "boolean": ["true", 1, 0, [True]],
    "timestamp": [1700000000, True, "not a time", "2026-13-45T99:00:00Z", ["2026-11-26T10:00:00Z"]],
}


class Generator:
    def __init__(self, seed: int, schemas: tuple[EventSchema, ...] = EVENT_SCHEMAS) -> None:
        self.rng = random.Random(seed)
        self.schemas = schemas
        self.valid: list[Hostile] = []

    def event_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def envelope(self, schema: EventSchema | None = None) -> tuple[EventSchema, dict]:
        rng = self.rng
        schema = schema or rng.choice(self.schemas)
        payload = {}
        for f in schema.fields:
            if f.required or rng.random() < 0.6:
                payload[f.name] = _value(rng, f) if f.required or rng.random() < 0.8 else None
        return schema, {
            "eventId": self.event_id(),
            "eventType": schema.event_type,
            "schemaVersion": schema.version,
            "occurredAt": (T0 - timedelta(seconds=rng.randint(0, 86400))).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "userId": f"u-{rng.randrange(40):03d}",
            "payload": payload,
        }

    def ok(self, kind: str, doc: dict, body: bytes | None = None, *, user_id: str | None = None) -> Hostile:
        h = Hostile(kind, body or _dump(doc, self.rng), (SILVER, doc["eventType"], doc["eventId"]), user_id)
        self.valid.append(h)
        return h

    def fields(self, schema: EventSchema) -> list[tuple[tuple[str, ...], Field]]:
        """Every field a body of `schema` is checked for, as (path in the document, declared field)."""
        envelope = [((f.name,), f) for f in ENVELOPE]
        user = [(("userId",), Field("userId", "string"))] if schema.user_id_required else []
        return [*envelope, *user, *((("payload", f.name), f) for f in schema.fields)]

    # One method per kind of hostile body; each returns one body with its outcome.

    def plain(self) -> Hostile:
        return self.ok("valid", self.envelope()[1])

    def padded_whitespace(self) -> Hostile:
        _, doc = self.envelope()
        return self.ok("valid", doc, b" \r\n\t" + _dump(doc, self.rng) + b"\n  ")

    def binary(self) -> Hostile:
        rng = self.rng
        style = rng.randrange(4)
        if style == 0:  # UTF-16 JSON with its byte-order mark
            data = b"\xff\xfe" + json.dumps(self.envelope()[1]).encode("utf-16-le")
        elif style == 1:  # gzip magic then noise
            data = b"\x1f\x8b\x08\x00" + rng.randbytes(rng.randint(10, 400))
        else:
            first = rng.choice([*range(0, 9), *range(0x80, 0x100)])
            data = bytes([first]) + rng.randbytes(rng.randint(0, 2000))
        return _bad("binary", data, n.NOT_JSON, "body is not valid JSON")

    def invalid_utf8_inside(self) -> Hostile:
        # A valid envelope with one byte that is not UTF-8 inside a payload string (Latin-1 text, a cut emoji).
        _, doc = self.envelope()
        doc["payload"]["note"] = "@"
        byte = self.rng.choice([b"\xe9", b"\xf0\x9f\x98", b"\xc0\xaf", b"\xed\xa0\x80"])
        return _bad("invalid_utf8", json.dumps(doc).encode().replace(b"@", byte), n.NOT_UTF8, "body is not valid UTF-8")

    def empty(self) -> Hostile:
        if self.rng.random() < 0.5:
            return _bad("empty", None, n.NOT_JSON, "body is empty")
        return _bad("empty", b"", n.NOT_JSON, "body is not valid JSON")

    def truncated(self) -> Hostile:
        data = _dump(self.envelope()[1], self.rng)
        # A proper prefix of an object never closes it.
        return _bad("truncated", data[: self.rng.randint(1, len(data) - 1)], n.NOT_JSON, "body is not valid JSON")

    def trailing(self) -> Hostile:
        rng = self.rng
        data = _dump(self.envelope()[1], rng)
        tail = rng.choice([b" x", b"}", b"]", b",{}", b"\x00", b"\n" + _dump(self.envelope()[1], rng), b'"', b"//"])
        return _bad("trailing", data + tail, n.NOT_JSON, "body is not valid JSON")

    def not_object(self) -> Hostile:
        rng = self.rng
        doc = rng.choice([[], [self.envelope()[1]], 1, -0.5e3, "text", True, None, [[[]]]])
        return _bad("not_object", _dump(doc, rng), n.NOT_JSON, "body is JSON but not an object")

    def wrong_type(self) -> Hostile:
        rng = self.rng
        schema, doc = self.envelope()
        path, f = rng.choice(self.fields(schema))
        value = rng.choice(_WRONG[f.type])
        _set(doc, path, value)
        return _bad(
            "wrong_type", _dump(doc, rng), n.WRONG_TYPE, f"{'.'.join(path)} must be {f.type}, got ", prefix=True
        )

    def missing_field(self) -> Hostile:
        rng = self.rng
        schema, doc = self.envelope()
        required = [(p, f) for p, f in self.fields(schema) if f.required and p != ("userId",)]
        path, _ = rng.choice(required)
        if rng.random() < 0.4:
            _set(doc, path, None)
        else:
            _del(doc, path)
        return _bad("missing_field", _dump(doc, rng), n.MISSING_REQUIRED_FIELD, f"{'.'.join(path)} is missing")

    def missing_user(self) -> Hostile:
        rng = self.rng
        _, doc = self.envelope(rng.choice([s for s in self.schemas if s.user_id_required]))
        style = rng.randrange(5)
        if style == 0:
            del doc["userId"]
        elif style == 1:
            doc["userId"] = None
        elif style == 2:  # the key spelled with a Greek capital iota or a zero-width space: not userId
            doc[rng.choice(["user\u0399d", "user\u200bId"])] = doc.pop("userId")
        else:
            doc["userId"] = rng.choice(["", " ", "\t\n", "\u3000", "\u2028 "])
            return _bad("missing_user", _dump(doc, rng), n.MISSING_REQUIRED_FIELD, "userId is blank")
        return _bad("missing_user", _dump(doc, rng), n.MISSING_REQUIRED_FIELD, "userId is missing")

    def blank_event_id(self) -> Hostile:
        _, doc = self.envelope()
        doc["eventId"] = self.rng.choice(["", " ", "\u00a0\u2003", "\r\n"])
        return _bad("blank_event_id", _dump(doc, self.rng), n.MISSING_REQUIRED_FIELD, "eventId is blank")

    def unknown_type(self) -> Hostile:
        rng = self.rng
        known = rng.choice(event_types())
        name = rng.choice(
            [
                known.upper(),
                known + " ",
                "\u043c" + known[1:],  # Cyrillic look-alike of the first letter
                known.replace(".", "_"),
                known + "\u0000",
                "",
                "measurement.deleted",
                "".join(rng.choice("ab.\u00e9\u4e2d\U0001f600") for _ in range(rng.randint(1, 12))),
            ]
        )
        _, doc = self.envelope()
        doc["eventType"] = name
        return _bad("unknown_type", _dump(doc, rng), n.UNKNOWN_EVENT_TYPE, f"eventType {name} is not registered")

    def unknown_version(self) -> Hostile:
        rng = self.rng
        schema, doc = self.envelope()
        registered = {s.version for s in EVENT_SCHEMAS if s.event_type == schema.event_type}
        version = rng.choice([0, -1, -(2**63), 2**63 - 1, max(registered) + 1, 99])
        doc["schemaVersion"] = version
        detail = f"schemaVersion {version} of {schema.event_type} is not registered"
        return _bad("unknown_version", _dump(doc, rng), n.UNKNOWN_SCHEMA_VERSION, detail)

    def _nested(self, depth: int) -> tuple[bytes, dict]:
        _, doc = self.envelope()
        doc["payload"]["nested"] = "@"
        opened = "".join(self.rng.choice(["[", '{"k":']) for _ in range(depth))
        closed = "".join("]" if c == "[" else "}" for c in reversed(opened.replace('{"k":', "{")))
        return json.dumps(doc).encode().replace(b'"@"', (opened + "0" + closed).encode()), doc

    def deep_valid(self) -> Hostile:
        body, doc = self._nested(self.rng.randint(10, 900))
        return self.ok("deep_valid", doc, body)

    def deep_invalid(self) -> Hostile:
        # Past the JSON parser's limit of 1000 levels: quarantined, never a failed job.
        body, _ = self._nested(self.rng.randint(1100, 20000))
        return _bad("deep_invalid", body, n.NOT_JSON, "body is not valid JSON")

    def large_valid(self) -> Hostile:
        _, doc = self.envelope()
        # Up to Event Hubs' largest message (1 MB on Premium and Dedicated).
        doc["payload"]["blob"] = "\u00e9" + "x" * (self.rng.randint(128, 900) * 1024)
        return self.ok("large_valid", doc)

    def large_invalid(self) -> Hostile:
        rng = self.rng
        _, doc = self.envelope()
        doc["payload"]["blob"] = "x" * (rng.randint(256, 1000) * 1024)
        data = _dump(doc, rng)
        if rng.random() < 0.5:
            body = data[: rng.randint(len(data) // 2, len(data) - 1)]
        else:
            body = b"\xff" + rng.randbytes(len(data))  # noise that cannot open a JSON text
        return _bad("large_invalid", body, n.NOT_JSON, "body is not valid JSON")

    def unicode(self) -> Hostile:
        rng = self.rng
        schema, doc = self.envelope()
        odd = [
            "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # one family emoji of three code points and joiners
            "\u202eRTL\u202c",
            "e\u0301\u0301\u0301",
            "\u4e2d\u6587",
            "\U0001d518\U0001d522",
            "nul\u0000in",
            "line\u2028sep",
            "\ufffe\uffff",
            "\ufeffbom",
            "\U0010ffff",
        ]
        user = "u-" + "".join(rng.sample(odd, k=rng.randint(1, 3)))
        doc["userId"] = user
        doc["eventId"] = rng.choice(odd) + doc["eventId"]
        for f in schema.fields:
            if f.type == "string" and doc["payload"].get(f.name) and rng.random() < 0.7:
                doc["payload"][f.name] = rng.choice(odd)
        return self.ok("unicode", doc, user_id=user)

    def lone_surrogate(self) -> Hostile:
        # Valid JSON escapes that are not valid UTF-16: kept as an event, the character replaced.
        _, doc = self.envelope()
        doc["payload"]["note"] = self.rng.choice(["\ud800", "a\udfffb", "\udbff\u0041"])
        return self.ok("unicode", doc, json.dumps(doc).encode())

    def resend(self) -> Hostile:
        original = self.rng.choice(self.valid)
        return replace(original, kind="resend")

    def conflicting_resend(self) -> Hostile:
        rng = self.rng
        original = self.rng.choice([h for h in self.valid if h.kind == "valid"])
        doc = json.loads(original.body)
        doc["occurredAt"] = (T0 + timedelta(seconds=rng.randint(1, 999))).strftime("%Y-%m-%dT%H:%M:%SZ")
        return Hostile("conflicting_resend", _dump(doc, rng), original.expect, original.user_id)


def _set(doc: dict, path: tuple[str, ...], value) -> None:
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


def _del(doc: dict, path: tuple[str, ...]) -> None:
    for key in path[:-1]:
        doc = doc[key]
    doc.pop(path[-1], None)


# Bodies of each kind in a full run; `scale` shrinks it for the crash tests.
MIX: dict[str, int] = {
    "plain": 200,
    "padded_whitespace": 20,
    "binary": 80,
    "invalid_utf8_inside": 30,
    "empty": 20,
    "truncated": 120,
    "trailing": 60,
    "not_object": 60,
    "wrong_type": 150,
    "missing_field": 100,
    "missing_user": 60,
    "blank_event_id": 40,
    "unknown_type": 60,
    "unknown_version": 60,
    "deep_valid": 40,
    "deep_invalid": 30,
    "large_valid": 6,
    "large_invalid": 4,
    "unicode": 70,
    "lone_surrogate": 10,
}
RESENDS = {"resend": 40, "conflicting_resend": 20}


def hostile_bodies(seed: int, *, scale: float = 1.0, schemas: tuple[EventSchema, ...] = EVENT_SCHEMAS) -> list[Hostile]:
    """The mix in random order, re-sends of valid events in the second half; `schemas` limits the events built."""
    gen = Generator(seed, schemas)
    counts = {kind: max(1, round(count * scale)) for kind, count in MIX.items()}
    plan = [kind for kind, count in counts.items() for _ in range(count)]
    gen.rng.shuffle(plan)
    bodies = [getattr(gen, kind)() for kind in plan]
    for kind, count in RESENDS.items():
        for _ in range(max(1, round(count * scale))):
            bodies.insert(gen.rng.randint(len(bodies) // 2, len(bodies)), getattr(gen, kind)())
    return bodies


@dataclass(frozen=True)
class Placed:
    hostile: Hostile
    partition: str
    sequence: int
    enqueued: datetime


def write_hostile_capture(root: str, bodies: list[Hostile], *, partitions: int = 3, windows: int = 2) -> list[Placed]:
    """Spreads the bodies round-robin over `partitions x windows` Capture files, in the order given."""
    files = [(w, p) for w in range(windows) for p in range(partitions)]
    groups: dict[tuple[int, int], list[Hostile]] = {f: [] for f in files}
    for i, h in enumerate(bodies):
        groups[files[i % len(files)]].append(h)
    placed = []
    next_seq = dict.fromkeys(range(partitions), 0)
    for (w, p), group in groups.items():
        start = T0 + timedelta(minutes=5 * w)
        write_file(root, [h.body for h in group], enqueued=start, partition=p, first_seq=next_seq[p])
        for i, h in enumerate(group):
            # generate.write_capture_file enqueues message i of a file 10 ms after message i - 1.
            at = (start + timedelta(milliseconds=10 * i)).astimezone(UTC).replace(tzinfo=None)
            placed.append(Placed(h, str(p), next_seq[p] + i, at))
        next_seq[p] += len(group)
    return placed


@dataclass(frozen=True)
class Expected:
    # (event type, eventId) -> (partition, sequence number) of the copy silver keeps
    silver: dict[tuple[str, str], tuple[str, int]]
    # (partition, sequence number) -> (reason, detail regex)
    quarantine: dict[tuple[str, int], tuple[str, str]]
    duplicates: int
    user_ids: dict[tuple[str, str], str]

    def silver_counts(self) -> Counter:
        return Counter(t for t, _ in self.silver)

    def quarantine_counts(self) -> Counter:
        return Counter(reason for reason, _ in self.quarantine.values())


def expected(placed: list[Placed]) -> Expected:
    """What the lake must hold: the first enqueued copy of each valid eventId, and every bad message."""
    silver: dict[tuple[str, str], Placed] = {}
    quarantine = {}
    valid = 0
    for p in placed:
        if not p.hostile.valid:
            quarantine[(p.partition, p.sequence)] = p.hostile.expect
            continue
        valid += 1
        key = p.hostile.expect[1:]
        first = silver.get(key)
        if first is None or (p.enqueued, p.partition, p.sequence) < (first.enqueued, first.partition, first.sequence):
            silver[key] = p
    return Expected(
        silver={k: (p.partition, p.sequence) for k, p in silver.items()},
        quarantine=quarantine,
        duplicates=valid - len(silver),
        user_ids={k: p.hostile.user_id for k, p in silver.items() if p.hostile.user_id},
    )


def silver_lineage(spark, lake) -> dict[tuple[str, str], tuple[str, int]]:
    """(event type, eventId) -> (partition, sequence number) over every silver table, failing on a repeat."""
    out = {}
    for event_type in event_types():
        rows = lake.table(silver_spec(event_type)).read(spark).select("eventId", "partitionId", "sequenceNumber")
        for r in rows.collect():
            assert (event_type, r.eventId) not in out, f"{event_type} {r.eventId!r} twice in silver"
            out[(event_type, r.eventId)] = (r.partitionId, r.sequenceNumber)
    return out


def quarantine_lineage(spark, lake) -> dict[tuple[str, int], tuple[str, str]]:
    """(partition, sequence number) -> (reason, reasonDetail) of every quarantine row."""
    rows = lake.table(QUARANTINE).read(spark).select("partitionId", "sequenceNumber", "reason", "reasonDetail")
    return {(r.partitionId, r.sequenceNumber): (r.reason, r.reasonDetail) for r in rows.collect()}


def mismatches(got: dict, want: Expected) -> dict:
    """Quarantine rows whose reason or detail is not the one the contract gives the body."""
    return {
        key: (got[key], reason, detail)
        for key, (reason, detail) in want.quarantine.items()
        if key in got and (got[key][0] != reason or not re.fullmatch(detail, got[key][1], re.DOTALL))
    }
