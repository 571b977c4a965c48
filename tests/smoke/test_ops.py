"""The operator package (tools/ops): sign-in that refreshes itself, the SDK adapters, `request-deletion`."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from fakes import DELETE, INGEST, OUTPUTS, Clock, FakeStack
from h3_ops.__main__ import main
from h3_ops.auth import DATABRICKS_SCOPE, MANAGEMENT_SCOPE, azure_credential, databricks_headers
from h3_ops.clients import DatabricksJobs, EventHubsSender, JobTrigger, RunState, SendFailed
from h3_ops.code import expected
from h3_ops.deletion import deletion_request
from h3_ops.errors import OpsError
from h3_ops.runs import Runner

from h3_ml.registry import DELETION_REQUESTED, versions

GITHUB = {
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runtime-bearer",
    "AZURE_CLIENT_ID": "client-1",
    "AZURE_TENANT_ID": "tenant-1",
}
PIPELINES = {
    "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "connection-1",
    "AZURESUBSCRIPTION_CLIENT_ID": "client-2",
    "AZURESUBSCRIPTION_TENANT_ID": "tenant-2",
    "SYSTEM_ACCESSTOKEN": "job-token",
}


def recorded(name: str):
    """A stand-in for an azure.identity class: records how it was built."""

    def build(**kwargs):
        return SimpleNamespace(kind=name, **kwargs)

    return build


FACTORIES = {
    n: recorded(n) for n in ("ClientAssertionCredential", "AzurePipelinesCredential", "DefaultAzureCredential")
}


class GitHubTokens:
    """GitHub's OIDC token endpoint: a new token on every request."""

    def __init__(self):
        self.requests: list[tuple[str, str]] = []

    def __call__(self, request, timeout):
        self.requests.append((request.full_url, request.get_header("Authorization")))
        return io.BytesIO(json.dumps({"value": f"github-jwt-{len(self.requests)}"}).encode())


def test_on_github_the_credential_asks_github_for_a_fresh_assertion_for_every_token():
    tokens = GitHubTokens()
    identity = azure_credential(GITHUB, factories=FACTORIES, urlopen=tokens)
    assert identity.kind == "github-oidc"
    assert (identity.credential.kind, identity.credential.tenant_id, identity.credential.client_id) == (
        "ClientAssertionCredential",
        "tenant-1",
        "client-1",
    )
    # ClientAssertionCredential calls `func` whenever it needs a new token (its docstring); each call is a new
    # GitHub token, so a run longer than one assertion's five minutes keeps signing in.
    assert [identity.credential.func() for _ in range(3)] == ["github-jwt-1", "github-jwt-2", "github-jwt-3"]
    assert (
        tokens.requests
        == [
            (
                "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0"
                "&audience=api%3A%2F%2FAzureADTokenExchange",
                "Bearer runtime-bearer",
            )
        ]
        * 3
    )


def test_on_github_without_the_client_id_it_names_the_variable_and_the_fix():
    env = {k: v for k, v in GITHUB.items() if k != "AZURE_CLIENT_ID"}
    with pytest.raises(OpsError) as failure:
        azure_credential(env, factories=FACTORIES)
    assert str(failure.value) == (
        "GitHub OIDC sign-in: AZURE_CLIENT_ID not set\nCheck: set them in the step's env from the environment's "
        "variables (AZURE_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}, AZURE_TENANT_ID: ${{ vars.AZURE_TENANT_ID }})"
    )


def test_on_azure_pipelines_the_service_connection_signs_in_and_refreshes_itself():
    identity = azure_credential(PIPELINES, factories=FACTORIES)
    assert identity.kind == "azure-pipelines"
    assert vars(identity.credential) == {
        "kind": "AzurePipelinesCredential",
        "tenant_id": "tenant-2",
        "client_id": "client-2",
        "service_connection_id": "connection-1",
        "system_access_token": "job-token",
    }
    with pytest.raises(OpsError, match=r"Azure Pipelines sign-in: SYSTEM_ACCESSTOKEN not set\nCheck: .*"):
        azure_credential({k: v for k, v in PIPELINES.items() if k != "SYSTEM_ACCESSTOKEN"}, factories=FACTORIES)


def test_elsewhere_the_signed_in_identity_without_a_browser_prompt():
    identity = azure_credential({}, factories=FACTORIES)
    assert identity.kind == "signed-in"
    assert vars(identity.credential) == {
        "kind": "DefaultAzureCredential",
        "exclude_interactive_browser_credential": True,
    }
    assert identity.describe() == "the signed-in identity (az login)"


class Credential:
    """An Entra credential whose tokens expire after `lifetime` seconds."""

    def __init__(self, clock, lifetime=3600, management=True):
        self.clock, self.lifetime, self.management = clock, lifetime, management
        self.asked: list[str] = []

    def get_token(self, scope):
        self.asked.append(scope)
        if scope == MANAGEMENT_SCOPE and not self.management:
            raise PermissionError("no access to the management endpoint")
        return SimpleNamespace(token=f"{scope[:4]}-{len(self.asked)}", expires_on=self.clock() + self.lifetime)


def test_databricks_headers_carry_a_management_token_and_are_renewed_before_they_expire():
    clock = Clock()
    credential = Credential(clock)
    headers = databricks_headers(credential, OUTPUTS["databricksWorkspaceResourceId"], now=clock)
    first = headers()
    assert first == {
        "Authorization": "Bearer 2ff8-1",
        "X-Databricks-Azure-Workspace-Resource-Id": OUTPUTS["databricksWorkspaceResourceId"],
        "X-Databricks-Azure-SP-Management-Token": "http-2",
    }
    clock.sleep(3000)
    assert headers() == first
    clock.sleep(400)  # within five minutes of expiry: both tokens are renewed
    assert headers()["Authorization"] == "Bearer 2ff8-3"
    assert credential.asked == [DATABRICKS_SCOPE, MANAGEMENT_SCOPE, DATABRICKS_SCOPE, MANAGEMENT_SCOPE]


def test_databricks_headers_leave_the_management_token_out_when_there_is_none():
    clock = Clock()
    assert databricks_headers(Credential(clock, management=False), "/subscriptions/s/w", now=clock)() == {
        "Authorization": "Bearer 2ff8-1",
        "X-Databricks-Azure-Workspace-Resource-Id": "/subscriptions/s/w",
    }
    assert databricks_headers(Credential(clock), None, now=clock)() == {"Authorization": "Bearer 2ff8-1"}


class Producer:
    """EventHubProducerClient's batching: `capacity` events per batch; send_batch fails from batch `fail_at`."""

    def __init__(self, namespace, hub, credential, capacity=2, fail_at=None, fail_on_open=False):
        if fail_on_open:
            raise PermissionError("Unauthorized access")
        self.capacity, self.fail_at, self.sent = capacity, fail_at, []

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False

    def create_batch(self, partition_key):
        producer = self

        class Batch(list):
            def add(self, event):
                if len(self) == producer.capacity:
                    raise ValueError("EventDataBatch has reached its size limit")
                self.append((partition_key, event))

        return Batch()

    def send_batch(self, batch):
        if self.fail_at is not None and len(self.sent) == self.fail_at:
            raise TimeoutError("no answer")
        self.sent.append(list(batch))


def test_the_sender_fills_batches_and_reports_what_went_out_before_a_failure():
    made: list[Producer] = []

    def producer(*args, **kwargs):
        made.append(Producer(*args, **kwargs))
        return made[-1]

    sender = EventHubsSender("credential", producer=producer, event=lambda body: body)
    assert sender.send("ns", "events", [b"1", b"2", b"3"], "u-1") == 3
    assert made[0].sent == [[("u-1", b"1"), ("u-1", b"2")], [("u-1", b"3")]]

    failing = EventHubsSender("credential", producer=lambda *a, **k: Producer(*a, fail_at=1, **k), event=bytes)
    with pytest.raises(SendFailed) as failure:
        failing.send("ns", "events", [b"1", b"2", b"3"], "u-1")
    assert (failure.value.confirmed, failure.value.maybe_sent) == (2, True)

    refused = EventHubsSender("credential", producer=lambda *a, **k: Producer(*a, fail_on_open=True, **k), event=bytes)
    with pytest.raises(SendFailed) as failure:
        refused.send("ns", "events", [b"1"], "u-1")
    assert (failure.value.confirmed, failure.value.maybe_sent) == (0, False)


def test_the_jobs_adapter_reads_runs_their_trigger_and_the_jobs_own_trigger():
    def run(run_id, trigger):
        return SimpleNamespace(
            run_id=run_id,
            state=SimpleNamespace(
                life_cycle_state=SimpleNamespace(value="TERMINATED"),
                result_state=SimpleNamespace(value="SUCCESS"),
                state_message="",
            ),
            run_page_url=f"https://adb/#run/{run_id}",
            tasks=[SimpleNamespace(run_id=run_id * 10), SimpleNamespace(run_id=None)],
            trigger=SimpleNamespace(value=trigger),
            start_time=1_700_000_000_000 + run_id,
        )

    asked: list = []
    settings = SimpleNamespace(
        trigger=SimpleNamespace(file_arrival=SimpleNamespace(url="abfss://..."), pause_status=None), schedule=None
    )
    workspace = SimpleNamespace(
        jobs=SimpleNamespace(
            get_run=lambda run_id: asked.append(("get_run", run_id)) or run(run_id, "ONE_TIME"),
            get_run_output=lambda run_id: SimpleNamespace(notebook_output=SimpleNamespace(result='{"batches": 2}')),
            list_runs=lambda **kw: asked.append(("list_runs", kw)) or [run(8, "FILE_ARRIVAL")],
            get=lambda job_id, include_trigger_state: SimpleNamespace(
                settings=settings,
                trigger_state=SimpleNamespace(file_arrival=SimpleNamespace(using_file_events=True))
                if include_trigger_state
                else None,
            ),
        )
    )
    jobs = DatabricksJobs(workspace)
    assert jobs.get_run(7) == RunState(
        7, "TERMINATED", "SUCCESS", "", "https://adb/#run/7", (70,), "ONE_TIME", 1_700_000_000_007
    )
    assert [r.trigger for r in jobs.runs_since(11, 1_700_000_000_000)] == ["FILE_ARRIVAL"]
    assert asked[-1] == ("list_runs", {"job_id": 11, "start_time_from": 1_700_000_000_000})
    assert jobs.output(70) == '{"batches": 2}'
    assert jobs.trigger(11) == JobTrigger("file_arrival", False, using_file_events=True)
    settings.trigger, settings.schedule = None, SimpleNamespace(pause_status=SimpleNamespace(value="PAUSED"))
    assert jobs.trigger(11) == JobTrigger("schedule", True)


def test_a_deletion_request_is_the_pipelines_envelope_of_the_registered_type():
    request_id, body = deletion_request("u-123", "support")
    event = json.loads(body)
    assert event["eventId"] == request_id
    assert event["eventType"] == DELETION_REQUESTED
    assert event["schemaVersion"] == versions(DELETION_REQUESTED)[-1].version == 1
    assert event["userId"] == "u-123"
    assert event["payload"] == {"channel": "support"}
    assert sorted(event) == ["eventId", "eventType", "occurredAt", "payload", "schemaVersion", "userId"]
    assert json.loads(deletion_request("u-123")[1])["payload"] == {}
    with pytest.raises(OpsError, match="the user id is blank"):
        deletion_request("  ")


def run_cli(args, stack, monkeypatch, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    status = main(
        args,
        connect=lambda outputs, with_jobs: (stack, stack if with_jobs else None, "a test identity"),
        now=stack.clock,
        sleep=stack.clock.sleep,
    )
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def outputs_file(tmp_path):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return str(path)


def test_request_deletion_prints_the_request_id_and_starts_no_job(monkeypatch, outputs_file):
    stack = FakeStack(Clock())
    status, out, err = run_cli(
        ["request-deletion", "--stack", "dev", "--user", "-", "--outputs", outputs_file], stack, monkeypatch, "u-123\n"
    )
    (request,) = [event for _, event, _ in stack.hub]
    assert status == 0
    assert out == f"deletion request {request['eventId']} sent to h3ml-dev-ehns.servicebus.windows.net/events\n"
    assert (request["userId"], stack.runs) == ("u-123", {})
    assert "u-123" not in out + err


def test_request_deletion_now_waits_for_ingest_runs_the_request_alone_and_prints_its_audit_row(
    monkeypatch, outputs_file
):
    stack = FakeStack(Clock())
    args = ["request-deletion", "--stack", "dev", "--user", "u-123", "--channel", "support", "--now"]
    status, out, err = run_cli([*args, "--outputs", outputs_file], stack, monkeypatch)
    (request,) = [event for _, event, _ in stack.hub]
    assert status == 0
    assert stack.run_now_calls == [(DELETE, {"request_id": request["eventId"]})]
    assert [r["trigger"] for r in stack.runs.values() if r["job"] == INGEST] == ["FILE_ARRIVAL"]
    row = json.loads(out.split("\n", 1)[1])
    assert row["requestId"] == request["eventId"]
    assert row["rowsRemoved"]["bronze.events"] == 1
    assert request["payload"] == {"channel": "support"}
    assert "u-123" not in out + err


def test_request_deletion_now_refuses_before_sending_when_the_stack_lacks_what_it_needs(monkeypatch, tmp_path):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({k: v for k, v in OUTPUTS.items() if k != "deleteJobId"}))
    stack = FakeStack(Clock())
    status, _, err = run_cli(
        ["request-deletion", "--stack", "dev", "--user", "u-1", "--now", "--outputs", str(path)], stack, monkeypatch
    )
    assert status == 1
    assert err == (
        "request-deletion failed: stack dev has no deleteJobId\n"
        "Check: that the stack is deployed with this version of the program: pulumi up --stack dev\n"
    )
    assert stack.hub == []


def test_a_run_that_waits_is_bounded_by_the_runners_clock():
    clock = Clock()
    stack = FakeStack(clock, stuck=DELETE)
    runner = Runner(stack, "dev", log=lambda _: None, sleep=clock.sleep, now=clock, run_timeout_seconds=30)
    with pytest.raises(OpsError, match=r"delete run 1 of job 13 still RUNNING after 30s"):
        runner.run(DELETE, {"request_id": "r-1"}, "delete")
    assert clock.slept == [15, 15]


ROOT = Path(__file__).resolve().parents[2]


class Workspace:
    """The stack's notebook folder: objects by path, each (kind, content)."""

    def __init__(self, folder: str, objects: dict[str, tuple[str, bytes]]):
        self.folder = folder
        self.objects = dict(objects)

    def list(self, folder):
        return [(f"{folder}/h3_ml", "DIRECTORY"), *((p, kind) for p, (kind, _) in self.objects.items())]

    def export(self, path, kind):
        return self.objects[path][1]


def deployed_as_the_program_deploys(folder: str) -> dict[str, tuple[str, bytes]]:
    return {f"{folder}/{d.path}": (d.kind, d.content) for d in expected(ROOT / "notebooks").values()}


def test_the_code_check_deploys_notebooks_where_the_program_does():
    plan = json.loads((ROOT / "plans" / "dev.json").read_text())
    folder = plan["outputs"]["databricksNotebookFolder"]
    kinds = {"databricks:index/notebook:Notebook": "NOTEBOOK", "databricks:index/workspaceFile:WorkspaceFile": "FILE"}
    planned = {
        r["inputs"]["path"].removeprefix(f"{folder}/"): kinds[r["type"]]
        for r in plan["resources"]
        if r["type"] in kinds
    }
    assert {path: d.kind for path, d in expected(ROOT / "notebooks").items()} == planned


def test_verify_code_passes_on_the_deployed_code_and_names_every_difference(monkeypatch, tmp_path):
    folder = "/h3-ml/prod"
    objects = deployed_as_the_program_deploys(folder)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({**OUTPUTS, "databricksNotebookFolder": folder}))
    args = ["verify-code", "--stack", "prod", "--outputs", str(outputs), "--local", str(ROOT / "notebooks")]

    def verify(workspace):
        out = io.StringIO()
        monkeypatch.setattr("sys.stdout", out)
        return main(args, workspace=lambda _: workspace), out.getvalue()

    # Source export may add or drop trailing blanks: not a difference.
    kind, content = objects[f"{folder}/ingest"]
    objects[f"{folder}/ingest"] = (kind, content.rstrip() + b"\n\n")
    assert verify(Workspace(folder, objects)) == (0, f"the code in {folder} of prod is this checkout's notebooks/\n")

    kind, content = objects[f"{folder}/h3_ml/deletion.py"]
    objects[f"{folder}/h3_ml/deletion.py"] = (kind, content.replace(b"def ", b"def  ", 1))
    objects[f"{folder}/h3_ml/backdoor.py"] = ("FILE", b"import os\n")
    del objects[f"{folder}/normalize"]
    assert verify(Workspace(folder, objects)) == (
        1,
        f"the code in {folder} of prod is not the code of this checkout:\n"
        f"  {folder}/h3_ml/backdoor.py: in the workspace, not in notebooks/ (added by hand?)\n"
        f"  {folder}/h3_ml/deletion.py: its content differs from the commit's\n"
        f"  {folder}/normalize: missing from the workspace\n",
    )
