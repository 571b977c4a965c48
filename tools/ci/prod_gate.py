"""The prod gate's checks, run by the GitHub workflows before prod is deployed (docs/ci.md, "The prod gate").

    python3 tools/ci/prod_gate.py settings --repo <owner/repo> [--environment prod] [--require-reviewers]
    python3 tools/ci/prod_gate.py commit --repo <owner/repo> --commit <sha>
    python3 tools/ci/prod_gate.py order --commit <sha> --history <file> [--rollback]
    python3 tools/ci/prod_gate.py deployed --history <file>

`settings`: what the gate trusts is configured, read with the workflow's own token (`gh api`):
  - the environment admits deployments from `main` only (deployment branch policy "Selected branches" = main;
    "Get an environment" and "List deployment branch policies" need Actions: read);
  - with --require-reviewers, it has required reviewers, self-review prevented and no admin bypass;
  - `main` is protected by a ruleset that requires a pull request with at least one approving review ("Get rules
    for a branch" needs Metadata: read; classic branch protection needs Administration: read, which the
    workflow's token cannot have, so it is not accepted as proof).
`commit`: the commit is a full SHA on main, and its `deploy` run (tests, dev deploy, dev smoke test) succeeded.
`order`: against the stack's update history (`pulumi stack history --json`, each update's environment["git.head"]),
  the commit is the one prod runs or a descendant of it; an older commit is a rollback and needs --rollback.
`deployed`: prints the commit of the stack's newest update (what the drift check checks out).

Standard library only: it runs on the runner's python3 before anything is installed. Each refusal prints a
GitHub error annotation with the fix and exits 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

Runner = Callable[[Sequence[str]], "Result"]
SHA = "0123456789abcdef"


class Result:
    def __init__(self, status: int, stdout: str = "", stderr: str = ""):
        self.status, self.stdout, self.stderr = status, stdout, stderr


class Refused(Exception):
    """The gate stays closed: what is wrong, and the fix."""

    def __init__(self, problem: str, fix: str):
        super().__init__(f"{problem} Fix: {fix}")
        self.problem, self.fix = problem, fix


def run(args: Sequence[str]) -> Result:
    done = subprocess.run(list(args), capture_output=True, text=True, check=False)
    return Result(done.returncode, done.stdout, done.stderr)


def gh_api(runner: Runner, path: str, missing: Refused | None = None):
    """`gh api <path>` as JSON; a 404 becomes `missing` when given (the setting does not exist)."""
    done = runner(["gh", "api", path])
    if done.status != 0:
        if missing is not None and "404" in done.stderr:
            raise missing
        raise Refused(
            f"`gh api {path}` failed: {done.stderr.strip() or done.stdout.strip()}.",
            "give the job `permissions: actions: read` (environments) and run it in this repository",
        )
    return json.loads(done.stdout)


def check_environment(runner: Runner, repo: str, environment: str, require_reviewers: bool) -> list[str]:
    settings_url = f"https://github.com/{repo}/settings/environments"
    env = gh_api(
        runner,
        f"repos/{repo}/environments/{environment}",
        Refused(f"the repository has no environment `{environment}`.", f"create it at {settings_url}"),
    )
    policy = env.get("deployment_branch_policy")
    branch_fix = (
        f"{settings_url}: `{environment}` -> Deployment branches and tags -> Selected branches and tags -> "
        "add the branch rule `main` (and nothing else)"
    )
    if not policy:
        raise Refused(f"environment `{environment}` admits deployments from every branch.", branch_fix)
    if policy.get("protected_branches") or not policy.get("custom_branch_policies"):
        raise Refused(
            f"environment `{environment}` admits every protected branch, not `main` alone.",
            branch_fix,
        )
    listed = gh_api(runner, f"repos/{repo}/environments/{environment}/deployment-branch-policies")
    rules = sorted(f"{p.get('type', 'branch')}:{p['name']}" for p in listed.get("branch_policies", []))
    if rules != ["branch:main"]:
        raise Refused(
            f"environment `{environment}` admits {', '.join(rules) or 'no branch'}, not `main` alone.",
            branch_fix,
        )
    verified = [f"environment `{environment}` admits deployments from `main` only"]
    if require_reviewers:
        reviewers = next((r for r in env.get("protection_rules", []) if r.get("type") == "required_reviewers"), None)
        review_fix = (
            f"{settings_url}: `{environment}` -> Required reviewers (and Prevent self-review), and clear "
            "'Allow administrators to bypass configured protection rules'; or unset PROD_GATE and deploy prod "
            "with deploy-prod.yml"
        )
        if not reviewers or not reviewers.get("reviewers"):
            raise Refused(
                f"PROD_GATE=reviewers, but environment `{environment}` has no required reviewers.", review_fix
            )
        if not reviewers.get("prevent_self_review"):
            raise Refused(
                f"environment `{environment}` lets whoever started a deployment approve it themselves.", review_fix
            )
        if env.get("can_admins_bypass", True):
            raise Refused(f"administrators may bypass environment `{environment}`'s reviewers.", review_fix)
        verified.append(f"environment `{environment}` needs another person's approval, administrators included")
    return verified


def check_main_reviewed(runner: Runner, repo: str) -> list[str]:
    rules = gh_api(runner, f"repos/{repo}/rules/branches/main")
    fix = (
        f"https://github.com/{repo}/settings/rules: a branch ruleset on the default branch, enforcement Active, "
        "with 'Require a pull request before merging' and at least 1 required approval (classic branch "
        "protection cannot be read with the workflow's token, so it does not count here)"
    )
    reviews = [
        int((r.get("parameters") or {}).get("required_approving_review_count", 0))
        for r in rules
        if r.get("type") == "pull_request"
    ]
    if not reviews:
        raise Refused("no active ruleset requires a pull request to change `main`.", fix)
    if max(reviews) < 1:
        raise Refused("the ruleset on `main` requires a pull request but no approving review.", fix)
    return [f"`main` changes only through pull requests with {max(reviews)} approving review(s)"]


def check_commit(runner: Runner, repo: str, commit: str) -> list[str]:
    if len(commit) != 40 or any(c not in SHA for c in commit):
        raise Refused(
            f"commit must be a full 40-character SHA, got {commit!r}.", "pass `-f commit=$(git rev-parse <ref>)`"
        )
    if runner(["git", "merge-base", "--is-ancestor", commit, "origin/main"]).status != 0:
        raise Refused(f"{commit} is not on main.", "merge it through a pull request first")
    done = runner(
        [
            "gh", "run", "list", "--repo", repo, "--workflow", "deploy.yml", "--branch", "main",
            "--commit", commit, "--status", "success", "--json", "databaseId",
        ]
    )  # fmt: skip
    if done.status != 0:
        raise Refused(f"`gh run list` failed: {done.stderr.strip()}.", "give the job `permissions: actions: read`")
    if not json.loads(done.stdout or "[]"):
        raise Refused(
            f"no successful `deploy` run for {commit}: dev has not taken (and smoke-tested) it.",
            "wait for its deploy run, or re-run it, before deploying it to prod",
        )
    return [f"{commit} is on main and its deploy run (tests, dev, dev smoke test) succeeded"]


def last_deployed(history: list[dict]) -> tuple[str, str] | None:
    """The commit of the newest update in `pulumi stack history --json` (newest first) and its result."""
    for update in history:
        head = (update.get("environment") or {}).get("git.head")
        if update.get("kind") == "update" and head:
            return head, str(update.get("result", ""))
    return None


def check_order(runner: Runner, commit: str, history: list[dict], rollback: bool) -> list[str]:
    last = last_deployed(history)
    if last is None:
        return ["prod has no update from a known commit yet: this is its first deploy"]
    head, result = last
    if head == commit:
        return [f"{commit} is the commit prod's last update ({result}) deployed: deploying it again"]
    if runner(["git", "merge-base", "--is-ancestor", head, commit]).status == 0:
        return [f"{commit} descends from {head}, which prod's last update ({result}) deployed"]
    if runner(["git", "cat-file", "-e", f"{head}^{{commit}}"]).status != 0:
        raise Refused(
            f"prod's last update deployed {head}, which this checkout does not have.",
            "check out with the full history (actions/checkout `fetch-depth: 0`)",
        )
    if runner(["git", "merge-base", "--is-ancestor", commit, head]).status == 0:
        if rollback:
            return [f"rolling prod back from {head} to the older {commit}, as asked"]
        raise Refused(
            f"{commit} is older than {head}, which prod's last update ({result}) deployed: deploying it is a rollback.",
            "if you mean it, run deploy-prod.yml again with `-f rollback=true`",
        )
    raise Refused(
        f"{commit} and {head}, which prod runs, are on different lines of history.", "deploy a commit of main"
    )


def main(argv: list[str] | None = None, runner: Runner = run) -> int:
    parser = argparse.ArgumentParser(prog="prod_gate.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    settings = commands.add_parser("settings")
    settings.add_argument("--repo", required=True)
    settings.add_argument("--environment", default="prod")
    settings.add_argument("--require-reviewers", action="store_true")
    commit = commands.add_parser("commit")
    commit.add_argument("--repo", required=True)
    commit.add_argument("--commit", required=True)
    order = commands.add_parser("order")
    order.add_argument("--commit", required=True)
    order.add_argument("--history", required=True, help="`pulumi stack history --json` output, or - for stdin")
    order.add_argument("--rollback", action="store_true")
    deployed = commands.add_parser("deployed")
    deployed.add_argument("--history", required=True, help="`pulumi stack history --json` output, or - for stdin")
    args = parser.parse_args(argv)
    try:
        if args.command == "settings":
            verified = check_environment(runner, args.repo, args.environment, args.require_reviewers)
            verified += check_main_reviewed(runner, args.repo)
        elif args.command == "commit":
            verified = check_commit(runner, args.repo, args.commit)
        else:
            text = sys.stdin.read() if args.history == "-" else Path(args.history).read_text()
            history = json.loads(text or "[]")
            if args.command == "deployed":
                last = last_deployed(history)
                if last is None:
                    raise Refused(
                        "the stack has no update from a known commit.", "deploy it once through CI before checking it"
                    )
                print(last[0])
                return 0
            verified = check_order(runner, args.commit, history, args.rollback)
    except Refused as refused:
        print(f"::error title=prod gate::{refused.problem} Fix: {refused.fix}")
        return 1
    for line in verified:
        print(f"prod gate: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
