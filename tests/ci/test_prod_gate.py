"""The prod gate (tools/ci/prod_gate.py) against answers of `gh api` and `gh run list` in the shapes GitHub's REST
reference documents (answers/: Get an environment, List deployment branch policies, Get rules for a branch) and
against `pulumi stack history --json` and a real git history."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from prod_gate import Result, main, run

ANSWERS = Path(__file__).parent / "answers"
REPO = "acme/h3-ml"


def answer(name: str) -> Result:
    return Result(0, (ANSWERS / name).read_text())


NOT_FOUND = Result(1, "", "gh: Not Found (HTTP 404)\n")


class Gh:
    """`gh` and `git` as the gate calls them, answering from `answers`; records every call."""

    def __init__(self, answers: dict[str, Result]):
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, args):
        self.calls.append(list(args))
        key = " ".join(args[:3]) if args[0] == "gh" and args[1] == "api" else args[0] + " " + args[1]
        return self.answers[key]


def settings(
    environment="environment-main-only.json", policies="branch-policies-main.json", rules="rules-main-pull-request.json"
):
    return {
        f"gh api repos/{REPO}/environments/prod": answer(environment) if environment else NOT_FOUND,
        f"gh api repos/{REPO}/environments/prod/deployment-branch-policies": answer(policies),
        f"gh api repos/{REPO}/rules/branches/main": answer(rules),
    }


def gate(args, answers, capsys):
    status = main(args, runner=Gh(answers))
    return status, capsys.readouterr().out


def test_settings_pass_when_prod_admits_main_only_and_main_needs_a_reviewed_pull_request(capsys):
    status, out = gate(["settings", "--repo", REPO], settings(), capsys)
    assert status == 0
    assert out == (
        "prod gate: environment `prod` admits deployments from `main` only\n"
        "prod gate: `main` changes only through pull requests with 1 approving review(s)\n"
    )


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        (settings(environment=None), "the repository has no environment `prod`."),
        (
            settings(environment="environment-any-branch.json"),
            "environment `prod` admits deployments from every branch.",
        ),
        (
            settings(environment="environment-protected-branches.json"),
            "environment `prod` admits every protected branch, not `main` alone.",
        ),
        (
            settings(policies="branch-policies-main-and-release.json"),
            "environment `prod` admits branch:main, branch:release/*, not `main` alone.",
        ),
    ],
)
def test_settings_refuse_a_prod_environment_other_branches_can_deploy_to(answers, problem, capsys):
    status, out = gate(["settings", "--repo", REPO], answers, capsys)
    assert status == 1
    found, fix = out.split(" Fix: ")
    assert found == f"::error title=prod gate::{problem}"
    assert f"https://github.com/{REPO}/settings/environments" in fix


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ("rules-main-none.json", "no active ruleset requires a pull request to change `main`."),
        ("rules-main-no-approval.json", "the ruleset on `main` requires a pull request but no approving review."),
    ],
)
def test_settings_refuse_a_main_that_changes_without_review(rules, problem, capsys):
    status, out = gate(["settings", "--repo", REPO], settings(rules=rules), capsys)
    assert (status, out.split(" Fix: ")[0]) == (1, f"::error title=prod gate::{problem}")
    assert "Require a pull request before merging' and at least 1 required approval" in out


def test_the_reviewers_gate_needs_reviewers_without_self_review_or_admin_bypass(capsys):
    args = ["settings", "--repo", REPO, "--require-reviewers"]
    status, out = gate(args, settings(environment="environment-reviewers.json"), capsys)
    assert status == 0
    assert "needs another person's approval, administrators included" in out
    status, out = gate(args, settings(), capsys)
    assert (status, out.split(" Fix: ")[0]) == (
        1,
        "::error title=prod gate::PROD_GATE=reviewers, but environment `prod` has no required reviewers.",
    )
    reviewed = json.loads((ANSWERS / "environment-reviewers.json").read_text())
    for change, problem in [
        (
            {"protection_rules": [{**reviewed["protection_rules"][0], "prevent_self_review": False}]},
            "approve it themselves",
        ),
        ({"can_admins_bypass": True}, "administrators may bypass environment `prod`'s reviewers."),
    ]:
        answers = settings()
        answers[f"gh api repos/{REPO}/environments/prod"] = Result(0, json.dumps({**reviewed, **change}))
        status, out = gate(args, answers, capsys)
        assert status == 1 and problem in out


def test_a_token_without_the_right_permission_is_named_with_the_fix(capsys):
    answers = settings()
    answers[f"gh api repos/{REPO}/environments/prod"] = Result(
        1, "", "gh: Resource not accessible by integration (HTTP 403)\n"
    )
    status, out = gate(["settings", "--repo", REPO], answers, capsys)
    assert status == 1
    assert "Resource not accessible by integration (HTTP 403). Fix: give the job `permissions: actions: read`" in out


COMMIT = "3f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e"


def test_commit_passes_when_on_main_with_a_successful_deploy_run(capsys):
    gh = {"git merge-base": Result(0), "gh run": Result(0, '[{"databaseId": 7781}]')}
    status, out = gate(["commit", "--repo", REPO, "--commit", COMMIT], gh, capsys)
    assert status == 0
    assert out == f"prod gate: {COMMIT} is on main and its deploy run (tests, dev, dev smoke test) succeeded\n"


@pytest.mark.parametrize(
    ("commit", "answers", "problem"),
    [
        ("3f2c1e0", {}, "commit must be a full 40-character SHA, got '3f2c1e0'."),
        (COMMIT, {"git merge-base": Result(1)}, f"{COMMIT} is not on main."),
        (
            COMMIT,
            {"git merge-base": Result(0), "gh run": Result(0, "[]")},
            f"no successful `deploy` run for {COMMIT}: dev has not taken (and smoke-tested) it.",
        ),
    ],
)
def test_commit_refuses_what_dev_did_not_take(commit, answers, problem, capsys):
    status, out = gate(["commit", "--repo", REPO, "--commit", commit], answers, capsys)
    assert (status, out.split(" Fix: ")[0]) == (1, f"::error title=prod gate::{problem}")


@pytest.fixture
def main_line(tmp_path, monkeypatch):
    """A repository whose main has three commits, oldest first."""
    monkeypatch.chdir(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main"], check=True)
    shas = []
    for i in range(3):
        subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", f"c{i}"], check=True)
        shas.append(subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip())
    return shas


def history(head: str) -> str:
    return (ANSWERS / "stack-history.json").read_text().replace("HEAD_PLACEHOLDER", head)


def order(commit, head, *extra, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(history(head)))
    status = main(["order", "--commit", commit, "--history", "-", *extra], runner=run)
    return status, capsys.readouterr().out


def test_order_deploys_forward_and_again_but_refuses_an_older_commit_without_rollback(main_line, capsys, monkeypatch):
    old, deployed, new = main_line
    status, out = order(new, deployed, capsys=capsys, monkeypatch=monkeypatch)
    assert (status, out) == (
        0,
        f"prod gate: {new} descends from {deployed}, which prod's last update (succeeded) deployed\n",
    )
    status, out = order(deployed, deployed, capsys=capsys, monkeypatch=monkeypatch)
    assert status == 0 and "deploying it again" in out
    status, out = order(old, deployed, capsys=capsys, monkeypatch=monkeypatch)
    assert status == 1
    assert out == (
        f"::error title=prod gate::{old} is older than {deployed}, which prod's last update (succeeded) deployed: "
        "deploying it is a rollback. Fix: if you mean it, run deploy-prod.yml again with `-f rollback=true`\n"
    )
    status, out = order(old, deployed, "--rollback", capsys=capsys, monkeypatch=monkeypatch)
    assert (status, out) == (0, f"prod gate: rolling prod back from {deployed} to the older {old}, as asked\n")


def test_order_needs_the_history_prod_runs_and_skips_updates_without_a_commit(main_line, capsys, monkeypatch):
    status, out = order(main_line[2], "9" * 40, capsys=capsys, monkeypatch=monkeypatch)
    assert status == 1
    assert f"prod's last update deployed {'9' * 40}, which this checkout does not have." in out
    assert "fetch-depth: 0" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("[]"))
    assert main(["order", "--commit", main_line[0], "--history", "-"], runner=run) == 0
    assert "first deploy" in capsys.readouterr().out


def test_deployed_prints_the_commit_of_the_newest_update_or_refuses(capsys, monkeypatch):
    head = "c" * 40
    monkeypatch.setattr("sys.stdin", io.StringIO(history(head)))
    assert main(["deployed", "--history", "-"]) == 0
    assert capsys.readouterr().out == f"{head}\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("[]"))
    assert main(["deployed", "--history", "-"]) == 1
    assert "the stack has no update from a known commit." in capsys.readouterr().out
