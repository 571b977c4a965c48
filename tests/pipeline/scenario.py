"""A small lake with known contents, built once per run and copied per test (copying beats rebuilding)."""

from __future__ import annotations

from .helpers import T0, body, later, write_file

ALICE, BOB, CAROL = "u-alice-01", "u-bob-02", "u-carol-03"
# Rows per user table once the scenario is ingested and normalized, and Alice's share of them (her damaged
# bodies, which name her but parse to no user, included).
ROWS = {
    "bronze.events": 12,
    "silver.quarantine": 6,
    "silver.measurement_recorded": 2,
    "silver.user_deletion_requested": 0,
    "silver.user_registered": 2,
    "silver.workout_completed": 1,
}
ALICE_REMOVED = {
    "bronze.events": 7,
    "silver.quarantine": 4,
    "silver.measurement_recorded": 1,
    "silver.user_deletion_requested": 0,
    "silver.user_registered": 1,
    "silver.workout_completed": 0,
}
WRONG_TYPE_BODY = body(
    event_id="e-a3", user_id=ALICE, occurred_at=T0, payload={"metric": "weight", "value": "heavy", "unit": "kg"}
)
# Bodies that name Alice but from which no user id parses: bronze and the quarantine hold them with a null userId.
_TRUNCATED = body(event_id="e-a4", user_id=ALICE, occurred_at=T0)
ALICE_DAMAGED = [
    _TRUNCATED[: _TRUNCATED.index(b'"payload"') + 20],  # cut off in the payload
    body(event_id="e-a5", user_id=ALICE, occurred_at=T0).replace(b'"userId"', b'"userID"'),  # a misspelled key
    b"\xff" + body(event_id="e-a6", user_id=ALICE, occurred_at=T0),  # not UTF-8: kept in bodyBytes
]


def write_scenario(capture_root: str) -> None:
    write_file(
        capture_root,
        [
            body(
                "user.registered", {"country": "NL", "birthYear": 1990}, event_id="e-a1", user_id=ALICE, occurred_at=T0
            ),
            body(event_id="e-a2", user_id=ALICE, occurred_at=T0),
            body(
                "user.registered",
                {"country": "DE", "locale": "de-DE"},
                event_id="e-b1",
                user_id=BOB,
                occurred_at=T0,
                version=2,
            ),
            body(
                "measurement.recorded",
                {"metric": "steps", "value": 1200, "unit": "count"},
                event_id="e-b2",
                user_id=BOB,
                occurred_at=T0,
            ),
            None,
        ],
        enqueued=T0,
        partition=0,
    )
    write_file(
        capture_root,
        [
            body(event_id="e-a2", user_id=ALICE, occurred_at=T0),  # a backend re-send
            b"oops",
            body(
                "workout.completed",
                {"activity": "run", "startedAt": "2026-11-26T09:00:00Z", "durationSeconds": 1800},
                event_id="e-c1",
                user_id=CAROL,
                occurred_at=later(T0, -30),
            ),
            WRONG_TYPE_BODY,
            *ALICE_DAMAGED,
        ],
        enqueued=later(T0, 5),
        partition=1,
    )
