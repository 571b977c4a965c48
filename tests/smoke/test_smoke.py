"""The smoke test's steps and failure messages against a stack in memory (fakes.py) behind the SDK interfaces."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from fakes import DELETE, INGEST, NORMALIZE, OUTPUTS, START, Clock, FakeStack
from h3_ops.clients import JobTrigger
from h3_ops.runs import CAPTURE_MARGIN_SECONDS, TRIGGER_GRACE_SECONDS
from h3_smoke.events import synthetic_events
from h3_smoke.steps import Smoke, SmokeFailure

from h3_ml.registry import DELETION_REQUESTED, EVENT_SCHEMAS, table_name

USER = "h3-smoke-0123456789abcdef"
# Send, then Capture's interval, the file's margin and the trigger's grace before the triggered run is sought.
TRIGGER_WAIT = OUTPUTS["eventHubsCaptureIntervalSeconds"] + CAPTURE_MARGIN_SECONDS + TRIGGER_GRACE_SECONDS


def smoke(outputs=None, **stack_options):
    clock = Clock()
    stack = FakeStack(clock, **stack_options)
    log: list[str] = []
    test = Smoke(
        stack="dev",
        outputs=dict(OUTPUTS if outputs is None else outputs),
        connect=lambda out: (stack, stack),
        log=log.append,
        sleep=clock.sleep,
        now=clock,
        user_id=USER,
    )
    return test, stack, clock, log


def steps_logged(log: list[str]) -> list[str]:
    return [
        line.split("] ", 1)[1].split(":")[0] for line in log if line.startswith("[") and "] " in line and ": " in line
    ]


def requests_sent(stack: FakeStack) -> list[dict]:
    return [event for _, event, _ in stack.hub if event["eventType"] == DELETION_REQUESTED]


def test_runs_every_step_and_checks_its_own_requests_audit_rows():
    test, stack, clock, log = smoke()
    second = test.run()
    first, again = requests_sent(stack)
    # Ingest is started by its trigger; normalize and the two deletions by the test, with request_id only.
    assert stack.run_now_calls == [
        (NORMALIZE, {}),
        (DELETE, {"request_id": first["eventId"]}),
        (DELETE, {"request_id": again["eventId"]}),
    ]
    assert [r["trigger"] for r in stack.runs.values() if r["job"] == INGEST] == ["FILE_ARRIVAL"] * 3
    # The requests are the backend's event: the user as partition key and in the envelope, nowhere else.
    assert [(e["userId"], e["payload"], e["schemaVersion"]) for e in (first, again)] == [
        (USER, {"channel": "smoke"}, 1),
        (USER, {"channel": "smoke-again"}, 1),
    ]
    assert {key for _, _, key in stack.hub} == {USER}
    assert stack.sends[0] == ("h3ml-dev-ehns.servicebus.windows.net", "events", 300, USER)
    assert clock.slept == [TRIGGER_WAIT, TRIGGER_WAIT, TRIGGER_WAIT]
    assert second["requestId"] == again["eventId"]
    assert {k: n for k, n in second["rowsRemoved"].items() if n} == {"bronze.events": 1}
    assert steps_logged(log) == [
        "stack outputs",
        "send events",
        "ingest",
        "normalize",
        "request deletion",
        "nothing left",
    ]
    assert (
        "[  300.0s] ingest: run 1 started by the file-arrival trigger: batches 1, messages_read 300, "
        "bronze_rows 300 (300.0s)"
    ) in log
    assert any(
        line.endswith(
            f"request deletion: request {first['eventId']} completed: removed 301 rows from bronze and 300 from 3 "
            "silver tables (300.0s)"
        )
        for line in log
    )
    assert log[-1].startswith("smoke test of dev passed in 900s. Left behind by design: the deletion audit rows")


def test_the_waits_follow_the_stacks_capture_interval_output():
    test, _, clock, _ = smoke(outputs={**OUTPUTS, "eventHubsCaptureIntervalSeconds": 300}, interval=300)
    test.run()
    assert clock.slept[0] == 300 + CAPTURE_MARGIN_SECONDS + TRIGGER_GRACE_SECONDS


def test_builds_events_every_registry_field_and_table_accepts():
    bodies, per_table = synthetic_events(USER, 300)
    latest = {}
    for schema in EVENT_SCHEMAS:
        if schema.event_type != DELETION_REQUESTED and schema.version >= latest.get(schema.event_type, schema).version:
            latest[schema.event_type] = schema
    seen: Counter = Counter()
    for body in bodies:
        event = json.loads(body)
        schema = latest[event["eventType"]]
        assert event["userId"] == USER
        assert event["schemaVersion"] == schema.version
        assert sorted(event["payload"]) == sorted(f.name for f in schema.fields)
        seen[table_name(event["eventType"])] += 1
    assert seen == per_table
    assert sorted(per_table) == sorted(table_name(t) for t in latest)
    assert sum(per_table.values()) == 300
    assert len({json.loads(b)["eventId"] for b in bodies}) == 300


def test_a_trigger_that_never_fires_is_worked_around_then_fails_the_test_with_what_to_check():
    test, stack, _, log = smoke(trigger_fires=False)
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert str(failure.value).startswith(
        f"step 'ingest trigger' failed: the file-arrival trigger of ingest job {INGEST} started no run within "
        f"{TRIGGER_WAIT}s of the send (Capture interval 60s + 60s for the file + 180s for the trigger; the trigger "
        "uses file events), so ingest was started by hand\nCheck: that the ingest job's trigger is not paused and "
        "that the workspace receives the storage account's file events"
    )
    # Every step still ran, by hand from the first miss on, so the synthetic user is gone.
    assert [job for job, _ in stack.run_now_calls] == [INGEST, NORMALIZE, INGEST, DELETE, INGEST, DELETE]
    assert steps_logged(log)[-1] == "nothing left"
    assert [e for e in stack.bronze if e["userId"] == USER] == []


def test_an_ingest_job_on_a_schedule_is_started_by_hand_without_failing():
    test, stack, _, log = smoke(trigger=JobTrigger("schedule", False))
    test.run()
    assert [job for job, _ in stack.run_now_calls] == [INGEST, NORMALIZE, INGEST, DELETE, INGEST, DELETE]
    assert any(f"ingest job {INGEST} starts on schedule: started by hand" in line for line in log)


def test_fails_at_the_outputs_naming_what_is_missing_and_sends_nothing():
    outputs = {k: v for k, v in OUTPUTS.items() if k not in ("deleteJobId", "eventHubsCaptureIntervalSeconds")}
    test, stack, _, _ = smoke(outputs=outputs)
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert str(failure.value) == (
        "step 'stack outputs' failed: stack dev has no eventHubsCaptureIntervalSeconds, deleteJobId\n"
        "Check: that the stack is deployed with this version of the program: pulumi up --stack dev"
    )
    assert stack.hub == [] and stack.runs == {}


def test_a_send_refused_before_anything_went_out_names_the_sender_role_and_cleans_nothing():
    test, stack, _, log = smoke(send_fails_first=True)
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert str(failure.value).startswith(
        "step 'send events' failed: PermissionError: Unauthorized access. 'Send' claim(s) are required "
        "(0 of 300 events confirmed sent)\nCheck: that the identity running the test has 'Azure Event Hubs Data "
        "Sender' on the hub events of h3ml-dev-ehns.servicebus.windows.net"
    )
    assert stack.runs == {} and not any("cleaning up" in line for line in log)


def test_a_send_that_fails_part_way_still_deletes_what_went_out():
    test, stack, _, log = smoke(fail_sends=120)
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert failure.value.step == "send events"
    assert "(120 of 300 events confirmed sent)" in str(failure.value)
    (request,) = requests_sent(stack)
    assert request["payload"] == {"channel": "smoke-cleanup"}
    # Cleanup does not wait for the trigger: ingest by hand once the file landed, then the request alone.
    assert stack.run_now_calls == [(INGEST, {}), (DELETE, {"request_id": request["eventId"]})]
    assert log[-2:] == [
        f"cleaning up: deletion request {request['eventId']} for the synthetic user {USER}",
        "cleanup removed 121 rows",
    ]
    assert [e for e in stack.bronze if e["userId"] == USER] == []


def test_a_failed_ingest_run_names_its_page_and_the_synthetic_user_is_still_deleted():
    test, stack, _, log = smoke(failing_runs={INGEST: 1})
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert str(failure.value) == (
        f"step 'ingest' failed: ingest run 1 of job {INGEST} ended TERMINATED/FAILED: Workload failed, see run "
        f"output for details\nCheck: the run's output and logs at https://adb/#job/{INGEST}/run/1"
    )
    (request,) = requests_sent(stack)
    assert log[-1] == "cleanup removed 301 rows"
    assert stack.run_now_calls[-1] == (DELETE, {"request_id": request["eventId"]})


def test_a_cleanup_that_cannot_finish_says_the_daily_run_completes_the_request():
    test, _, _, log = smoke(failing_runs={INGEST: 2})
    with pytest.raises(SmokeFailure):
        test.run()
    assert log[-1].startswith("cleanup could not complete request ")
    assert log[-1].endswith("The request is in the hub: the daily delete run completes it once ingest has taken it in.")


def test_a_request_the_delete_job_cannot_find_yet_fails_with_the_jobs_message_and_is_retried_in_cleanup():
    test, stack, _, log = smoke(failing_runs={DELETE: 1})
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert failure.value.step == "request deletion"
    assert f"delete run 4 of job {DELETE} ended TERMINATED/FAILED" in str(failure.value)
    (request,) = requests_sent(stack)
    assert [c for c in stack.run_now_calls if c[0] == DELETE] == [(DELETE, {"request_id": request["eventId"]})] * 2
    assert log[-1] == "cleanup removed 601 rows"


def test_rows_missing_from_bronze_fail_with_the_requests_counts_and_what_to_check():
    test, _, _, log = smoke(lose_in_ingest=50)
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert failure.value.step == "request deletion"
    assert "audit row does not match what was sent (removed/expected): bronze.events 251/301, " in str(failure.value)
    assert "Check: bronze short: the Capture files in the capture container and the ingest run" in str(failure.value)
    # The request completed, so the synthetic user is already gone: no second cleanup request.
    assert not any("cleaning up" in line for line in log)


def test_rows_that_come_back_after_the_deletion_fail_the_last_step():
    test, _, _, _ = smoke(rows_back={"silver.workout_completed": 2})
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert "step 'nothing left' failed: request " in str(failure.value)
    assert "(removed/expected): silver.workout_completed 2/0\n" in str(failure.value)


def test_accepts_request_events_normalize_took_in_and_a_personal_stacks_prefixed_tables():
    test, stack, _, _ = smoke(normalize_requests=True, prefix="dev_ada_")
    row = test.run()
    assert row["rowsRemoved"]["dev_ada_bronze.events"] == 1
    assert stack.silver[table_name(DELETION_REQUESTED)] == []


def test_a_run_that_does_not_finish_in_time_fails_with_its_state():
    test, _, clock, _ = smoke(stuck=NORMALIZE)
    test.run_timeout_seconds = 60
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert str(failure.value) == (
        f"step 'normalize' failed: normalize run 2 of job {NORMALIZE} still RUNNING after 60s\n"
        f"Check: the run at https://adb/#job/{NORMALIZE}/run/2"
    )
    assert clock.slept[1:5] == [15, 15, 15, 15]


def test_a_notebook_without_a_summary_fails_naming_the_exit_value():
    test, _, _, _ = smoke(no_summary=NORMALIZE)
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert "step 'normalize' failed: normalize run 2 returned no summary JSON (notebook exit value [None])" in str(
        failure.value
    )
    assert "dbutils.notebook.exit(<summary JSON>): make deploy-code STACK=dev" in str(failure.value)


def test_step_times_are_wall_clock_seconds_since_the_start():
    test, _, clock, log = smoke()
    test.run()
    assert clock.now - START == 900
    assert log[0] == "[    0.0s] stack outputs ..."
