"""A pull request's preview comment: rendered once, then kept up to date in place, on GitHub and Azure Repos.

    python3 tools/ci/pr_comment.py render --title "pulumi preview dev" --input preview.txt [--link <run url>]
    python3 tools/ci/pr_comment.py github --repo <owner/repo> --pr <number> --key dev --body report.md
    python3 tools/ci/pr_comment.py azure --key dev --body report.md

`render` wraps the preview in a code fence longer than any run of backticks inside it, and cuts a long preview
at a line, closing the fence and saying where the rest is (GitHub takes comments up to 65,536 characters, Azure
Repos up to 150,000).
`github` (with `gh`, GH_TOKEN in the environment) and `azure` (the REST API with SYSTEM_ACCESSTOKEN and the
pipeline's predefined variables) update the comment an earlier run posted for the same key and create one only
when there is none, so a pull request carries one preview per stack however often it runs.
  - GitHub: the comment starts with a hidden marker `<!-- h3-ml-preview:<key> -->`
    (REST: issues/comments list, create, update).
  - Azure Repos: the thread carries the property `h3mlPreview` = key (REST: pull request threads list and
    create with `properties`, comments update); a new thread is created closed, so it informs without blocking
    a "resolve all comments" policy.

Standard library only: it runs on the agent's python3 before anything is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

GITHUB_LIMIT = 65_536
AZURE_LIMIT = 150_000
# Room kept for the title, the fences and the cut notice.
FRAME = 1_000
THREAD_PROPERTY = "h3mlPreview"
API_VERSION = "7.1"


def marker(key: str) -> str:
    return f"<!-- h3-ml-preview:{key} -->"


def render(title: str, text: str, limit: int, link: str | None = None) -> str:
    """Markdown for `text` under `title`, at most `limit` characters, the fence always closed."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    budget = limit - FRAME - len(title) - len(link or "")
    body, cut = text, ""
    if len(text) > budget:
        body = text[: text.rfind("\n", 0, budget) + 1 or budget]
        where = f"the whole preview is in {link}" if link else "the whole preview is in the run's log"
        cut = f"\n(cut after {len(body):,} of {len(text):,} characters: {where})\n"
    if body and not body.endswith("\n"):
        body += "\n"
    return f"# {title}\n\n{fence}\n{body}{fence}\n{cut}"


# --- GitHub -----------------------------------------------------------------------------------------------

Runner = Callable[[Sequence[str], str | None], str]


def gh(args: Sequence[str], stdin: str | None = None) -> str:
    done = subprocess.run(["gh", *args], input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"gh {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def post_github(repo: str, pr: int, key: str, body: str, runner: Runner = gh) -> str:
    """Updates this key's comment on the pull request, or creates it; returns what was done."""
    text = f"{marker(key)}\n{body}"
    listed = runner(["api", "--paginate", "--slurp", f"repos/{repo}/issues/{pr}/comments"], None)
    comments = [c for page in json.loads(listed or "[]") for c in page]
    mine = [c for c in comments if str(c.get("body", "")).startswith(marker(key))]
    payload = json.dumps({"body": text})
    if mine:
        comment_id = mine[-1]["id"]
        runner(["api", "--method", "PATCH", f"repos/{repo}/issues/comments/{comment_id}", "--input", "-"], payload)
        return f"updated comment {comment_id} on pull request {pr}"
    runner(["api", "--method", "POST", f"repos/{repo}/issues/{pr}/comments", "--input", "-"], payload)
    return f"commented on pull request {pr}"


# --- Azure Repos ------------------------------------------------------------------------------------------

Http = Callable[[str, str, dict | None], dict]


def azure_http(token: str) -> Http:
    def call(method: str, url: str, body: dict | None) -> dict:
        request = urllib.request.Request(
            url,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    return call


def post_azure(env: Mapping[str, str], key: str, body: str, http: Http | None = None) -> str:
    """Updates this key's thread on the pull request this run validates, or creates it (closed)."""
    if env.get("BUILD_REASON") != "PullRequest" or env.get("BUILD_REPOSITORY_PROVIDER") != "TfsGit":
        return "not an Azure Repos pull request: the preview stays in the run's summary"
    missing = [
        name
        for name in (
            "SYSTEM_ACCESSTOKEN",
            "SYSTEM_COLLECTIONURI",
            "SYSTEM_TEAMPROJECTID",
            "BUILD_REPOSITORY_ID",
            "SYSTEM_PULLREQUEST_PULLREQUESTID",
        )
        if not env.get(name)
    ]
    if missing:
        raise SystemExit(f"{', '.join(missing)} not set: map SYSTEM_ACCESSTOKEN: $(System.AccessToken) into the step")
    http = http or azure_http(env["SYSTEM_ACCESSTOKEN"])
    pr = env["SYSTEM_PULLREQUEST_PULLREQUESTID"]
    threads_url = (
        f"{env['SYSTEM_COLLECTIONURI']}{env['SYSTEM_TEAMPROJECTID']}/_apis/git/repositories/"
        f"{env['BUILD_REPOSITORY_ID']}/pullRequests/{pr}/threads"
    )
    listed = http("GET", f"{threads_url}?api-version={API_VERSION}", None).get("value", [])
    mine = [
        t
        for t in listed
        if ((t.get("properties") or {}).get(THREAD_PROPERTY) or {}).get("$value") == key and t.get("comments")
    ]
    if mine:
        thread = mine[-1]
        comment = thread["comments"][0]["id"]
        http(
            "PATCH",
            f"{threads_url}/{thread['id']}/comments/{comment}?api-version={API_VERSION}",
            {"content": body},
        )
        return f"updated thread {thread['id']} on pull request {pr}"
    http(
        "POST",
        f"{threads_url}?api-version={API_VERSION}",
        {
            "comments": [{"parentCommentId": 0, "content": body, "commentType": 1}],
            "status": 4,
            "properties": {THREAD_PROPERTY: {"$type": "System.String", "$value": key}},
        },
    )
    return f"posted the preview on pull request {pr}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pr_comment.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rendering = commands.add_parser("render")
    rendering.add_argument("--title", required=True)
    rendering.add_argument("--input", required=True)
    rendering.add_argument("--link")
    rendering.add_argument("--limit", type=int, default=GITHUB_LIMIT)
    github = commands.add_parser("github")
    github.add_argument("--repo", required=True)
    github.add_argument("--pr", type=int, required=True)
    github.add_argument("--key", required=True)
    github.add_argument("--body", required=True)
    azure = commands.add_parser("azure")
    azure.add_argument("--key", required=True)
    azure.add_argument("--body", required=True)
    args = parser.parse_args(argv)
    if args.command == "render":
        sys.stdout.write(render(args.title, Path(args.input).read_text(errors="replace"), args.limit, args.link))
    elif args.command == "github":
        print(post_github(args.repo, args.pr, args.key, Path(args.body).read_text()))
    else:
        print(post_azure(os.environ, args.key, Path(args.body).read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
