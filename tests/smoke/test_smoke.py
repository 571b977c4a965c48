"""The smoke test's steps and failure messages, with the Event Hubs and Databricks clients replaced by fakes."""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace

import pytest
from h3_smoke.__main__ import capture_interval
from h3_smoke.clients import DatabricksJobs
from h3_smoke.events import synthetic_events
from h3_smoke.steps import RunState, Smoke, SmokeFailure

from h3_ml.registry import DELETION_REQUESTED, EVENT_SCHEMAS, table_name

OUTPUTS = {
    "databricksWorkspaceUrl": "adb-1.2.azuredatabricks.net",
    "eventHubsNamespace": "h3ml-dev-ehns.servicebus.windows.net",
    "eventHubNames": ["events"],
    "ingestJobId": "11",
    "normalizeJobId": "12",
    "deleteJobId": "13",
}
USER = "h3-smoke-0123456789abcdef"


class Clock:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class FakeSender:
    def __init__(self, fail: Exception | None = None):
        self.sent: list[tuple[str, str, list[bytes], str]] = []
        self.fail = fail

    def send(self, namespace, hub, bodies, partition_key):
        if self.fail:
            raise self.fail
        self.sent.append((namespace, hub, list(bodies), partition_key))


class FakeJobs:
    """Jobs as the pipeline would run them: the delete job removes what was sent, once."""

    def __init__(self, sender: FakeSender, *, states=None, outputs=None, bronze_short=0, left_after=None):
        self.sender = sender
        self.calls: list[tuple[int, dict]] = []
        self.states = states or {}
        self.outputs = outputs or {}
        self.bronze_short = bronze_short
        self.left_after = left_after
        self.deleted = False

    def run_now(self, job_id, parameters):
        self.calls.append((job_id, dict(parameters)))
        return len(self.calls)

    def _job(self, run_id):
        return self.calls[run_id - 1][0]

    def get_run(self, run_id):
        script = self.states.get(self._job(run_id))
        if script:
            return script.pop(0) if len(script) > 1 else script[0]
        return RunState("TERMINATED", "SUCCESS", "", f"https://adb/#run/{run_id}", (run_id * 100,))

    def output(self, task_run_id):
        job = self._job(task_run_id // 100)
        if job in self.outputs:
            return self.outputs[job]
        if job == 11:
            return json.dumps({"batches": 1, "messages_read": 300, "bronze_rows": 300})
        if job == 12:
            return json.dumps({"silver_rows": 300, "quarantined": 0})
        removed: Counter = Counter()
        if not self.deleted:
            for _, _, bodies, _ in self.sender.sent:
                for body in bodies:
                    removed["bronze.events"] += 1
                    removed[f"silver.{table_name(json.loads(body)['eventType'])}"] += 1
            removed["bronze.events"] -= self.bronze_short
            self.deleted = True
        elif self.left_after:
            removed.update(self.left_after)
        return json.dumps({"requests": 1, "already_completed": 0, "rows_removed": {"ops.x": 0, **removed}})


def smoke(sender=None, jobs=None, outputs=None, interval=300, **kwargs):
    clock = Clock()
    sender = sender or FakeSender()
    jobs = jobs or FakeJobs(sender)
    log: list[str] = []
    test = Smoke(
        stack="dev",
        outputs=dict(OUTPUTS if outputs is None else outputs),
        capture_interval_seconds=interval,
        connect=lambda out: (sender, jobs),
        log=log.append,
        sleep=clock.sleep,
        clock=clock,
        user_id=USER,
        **kwargs,
    )
    return test, sender, jobs, clock, log


def test_runs_every_step_in_order_and_deletes_the_synthetic_user_twice():
    test, sender, jobs, clock, log = smoke()
    second = test.run()
    assert [(job, sorted(p)) for job, p in jobs.calls] == [
        (11, []),
        (12, []),
        (13, ["request_id", "user_ids"]),
        (13, ["request_id", "user_ids"]),
    ]
    first_delete, second_delete = jobs.calls[2][1], jobs.calls[3][1]
    assert first_delete["user_ids"] == second_delete["user_ids"] == USER
    assert first_delete["request_id"] != second_delete["request_id"]
    assert [(ns, hub, len(bodies), key) for ns, hub, bodies, key in sender.sent] == [
        ("h3ml-dev-ehns.servicebus.windows.net", "events", 300, USER)
    ]
    assert clock.slept == [360]
    assert all(n == 0 for n in second["rows_removed"].values())
    steps = [line.split("] ", 1)[1].split(":")[0] for line in log if ": " in line and line.startswith("[")]
    assert steps == [
        "stack outputs",
        "send events",
        "wait for Capture",
        "ingest",
        "normalize",
        "delete the synthetic user",
        "nothing left",
    ]
    assert "[  360.0s] wait for Capture: waited 360s (the stack's Capture interval 300s + 60s) (360.0s)" in log
    assert any(
        line.endswith("delete the synthetic user: removed 300 rows from bronze and 300 from 3 silver tables (0.0s)")
        for line in log
    )
    assert log[-1].startswith("smoke test of dev passed in 360s. Left behind by design: the deletion audit rows")


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


def test_fails_at_the_outputs_naming_what_is_missing_and_sends_nothing():
    outputs = {k: v for k, v in OUTPUTS.items() if k != "deleteJobId"}
    test, sender, jobs, _, _ = smoke(outputs=outputs)
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert str(failure.value) == (
        "step 'stack outputs' failed: stack dev has no deleteJobId\n"
        "Check: that the stack is deployed with this program: pulumi up --stack dev"
    )
    assert sender.sent == [] and jobs.calls == []


def test_names_the_sender_role_when_sending_fails_and_has_nothing_to_clean():
    test, _, jobs, _, _ = smoke(
        sender=FakeSender(fail=PermissionError("Unauthorized access. 'Send' claim(s) are required"))
    )
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert failure.value.step == "send events"
    assert "PermissionError: Unauthorized access" in str(failure.value)
    assert "'Azure Event Hubs Data Sender' on h3ml-dev-ehns.servicebus.windows.net" in str(failure.value)
    assert jobs.calls == []


def test_a_failed_ingest_run_names_its_page_and_the_synthetic_user_is_still_deleted():
    sender = FakeSender()
    failed = RunState("TERMINATED", "FAILED", "Workload failed", "https://adb/#run/1", (100,))
    jobs = FakeJobs(sender, states={11: [failed]})
    test, _, _, _, log = smoke(sender=sender, jobs=jobs)
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert str(failure.value) == (
        "step 'ingest' failed: run 1 of job 11 ended TERMINATED/FAILED: Workload failed\n"
        "Check: the run's output and logs at https://adb/#run/1"
    )
    assert [job for job, _ in jobs.calls] == [11, 13]
    assert jobs.calls[1][1]["user_ids"] == USER
    assert log[-2:] == [f"cleaning up: deleting the synthetic user {USER}", "cleanup removed 600 rows"]


def test_bronze_short_of_what_was_sent_fails_with_the_counts_and_what_to_check():
    sender = FakeSender()
    test, _, jobs, _, _ = smoke(sender=sender, jobs=FakeJobs(sender, bronze_short=50))
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert failure.value.step == "delete the synthetic user"
    assert "rows of the synthetic user found (found, sent): bronze 250/300\n" in str(failure.value)
    assert "Capture files in the capture container and the ingest run" in str(failure.value)
    assert [job for job, _ in jobs.calls] == [11, 12, 13]


def test_rows_left_after_the_deletion_fail_the_last_step():
    sender = FakeSender()
    test, _, _, _, _ = smoke(sender=sender, jobs=FakeJobs(sender, left_after={"silver.workout_completed": 2}))
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert str(failure.value).startswith(
        "step 'nothing left' failed: a second deletion still removed rows: {'silver.workout_completed': 2}"
    )


def test_a_run_that_does_not_finish_in_time_fails_with_its_state():
    sender = FakeSender()
    running = RunState("RUNNING", None, "", "https://adb/#run/2", ())
    test, _, _, clock, _ = smoke(sender=sender, jobs=FakeJobs(sender, states={12: [running]}), run_timeout_seconds=60)
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert str(failure.value) == (
        "step 'normalize' failed: run 2 of job 12 still RUNNING after 60s\nCheck: the run at https://adb/#run/2"
    )
    assert clock.slept == [360, 15, 15, 15, 15]


def test_a_notebook_without_a_summary_fails_naming_the_exit_value():
    sender = FakeSender()
    test, _, _, _, _ = smoke(sender=sender, jobs=FakeJobs(sender, outputs={11: None}))
    with pytest.raises(SmokeFailure) as failure:
        test.run()
    assert "step 'ingest' failed: run 1 returned no summary JSON (notebook exit value [None])" in str(failure.value)
    assert "dbutils.notebook.exit(<summary JSON>): make deploy-code STACK=dev" in str(failure.value)


def test_reads_a_personal_stack_s_prefixed_tables_and_waits_azures_longest_window_without_config():
    sender = FakeSender()

    class Prefixed(FakeJobs):
        def output(self, task_run_id):
            text = super().output(task_run_id)
            summary = json.loads(text)
            if "rows_removed" in summary:
                summary["rows_removed"] = {f"dev_ada_{k}": n for k, n in summary["rows_removed"].items()}
            return json.dumps(summary)

    test, _, _, clock, log = smoke(sender=sender, jobs=Prefixed(sender), interval=None)
    test.run()
    assert clock.slept[0] == 960
    assert any("waited 960s (Azure's largest Capture interval 900s + 60s)" in line for line in log)


def test_reads_the_capture_interval_from_pulumi_config_json():
    config = {"h3-ml:eventHubs": {"value": "{}", "objectValue": {"captureIntervalSeconds": 120}, "secret": False}}
    assert capture_interval(config) == 120
    assert capture_interval({"h3-ml:eventHubs": {"value": "{}", "objectValue": {}, "secret": False}}) is None


def test_the_databricks_adapter_reads_state_tasks_and_the_notebook_exit_value():
    run = SimpleNamespace(
        state=SimpleNamespace(
            life_cycle_state=SimpleNamespace(value="TERMINATED"),
            result_state=SimpleNamespace(value="SUCCESS"),
            state_message="",
        ),
        run_page_url="https://adb/#run/7",
        tasks=[SimpleNamespace(run_id=71), SimpleNamespace(run_id=None)],
    )
    output = SimpleNamespace(notebook_output=SimpleNamespace(result='{"batches": 2}'))
    asked: list = []
    workspace = SimpleNamespace(
        jobs=SimpleNamespace(
            get_run=lambda run_id: asked.append(("get_run", run_id)) or run,
            get_run_output=lambda run_id: asked.append(("get_run_output", run_id)) or output,
        )
    )
    jobs = DatabricksJobs(workspace)
    assert jobs.get_run(7) == RunState("TERMINATED", "SUCCESS", "", "https://adb/#run/7", (71,))
    assert jobs.output(71) == '{"batches": 2}'
    assert asked == [("get_run", 7), ("get_run_output", 71)]
