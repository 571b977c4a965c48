"""The daily delete run's watchdog: it fails the run, after its work, naming what is at risk and no user."""

import os
from datetime import timedelta

import pytest

from h3_ml.ingest import run_ingest
from h3_ml.watchdog import DeletionAlarm

from .helpers import NOW, T0, body, delete_run, later, request_deletion, write_file
from .scenario import BOB, CAROL


def age(path: str, hours: float) -> None:
    """Sets a file's modification time `hours` before the tests' clock, as Capture wrote it then."""
    stamp = (NOW - timedelta(hours=hours)).timestamp()
    os.utime(path.removeprefix("file:"), (stamp, stamp))


def test_the_daily_run_fails_naming_a_request_that_waited_and_a_capture_file_not_in_bronze(spark, lake, capture_root):
    ingested = write_file(capture_root, [body(event_id="e-1", user_id=CAROL, occurred_at=T0)], enqueued=T0)
    run_ingest(spark, capture_root, lake, progress=lambda _: None)
    stuck = write_file(capture_root, [body(event_id="e-2", user_id=CAROL, occurred_at=T0)], enqueued=later(T0, 60))
    empty = write_file(capture_root, [], enqueued=later(T0, 75))  # a window without traffic: a header only
    young = write_file(capture_root, [body(event_id="e-3", user_id=BOB, occurred_at=T0)], enqueued=later(T0, 90))
    for path, hours in ((ingested, 10), (stuck, 10), (empty, 10), (young, 1)):
        age(path, hours)
    request_deletion(spark, lake, BOB, "req-old", at=NOW - timedelta(hours=40))

    with pytest.raises(DeletionAlarm) as alarm:
        delete_run(spark, lake, capture_root=capture_root)
    message = str(alarm.value)
    assert "1 deletion requests waited more than open_request_hours (30) for the delete job: req-old requested " in (
        message
    )
    assert f"{(NOW - timedelta(hours=40)):%Y-%m-%d %H:%M} UTC, completed {NOW:%Y-%m-%d %H:%M}" in message
    assert (
        f"1 Capture files older than capture_lag_hours (6) hold messages that are not in bronze.events: {stuck} ("
        in (message)
    )
    assert (ingested in message, empty in message, young in message) == (False, False, False)
    assert (BOB in message, CAROL in message) == (False, False)
    assert alarm.value.summary.requests == 1  # the run did its work first: the request is completed

    # A delete job without capture_root still does its work, then fails naming the parameter.
    with pytest.raises(DeletionAlarm, match=r"capture_root is empty, .* Fix: set capture_root on the delete job"):
        delete_run(spark, lake, at=NOW + timedelta(hours=1), capture_root="")
