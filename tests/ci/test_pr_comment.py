"""The preview comment (tools/ci/pr_comment.py): one per stack, updated in place, its code fence always closed."""

from __future__ import annotations

import json

from pr_comment import GITHUB_LIMIT, THREAD_PROPERTY, marker, post_azure, post_github, render

PREVIEW = (
    "Previewing update (dev):\n  ~ databricks:index/job:Job jobs-ingest update [diff: ~tasks]\n"
    "Resources:\n    ~ 1 to update\n"
)


def test_renders_the_preview_in_a_closed_fence_under_its_title():
    assert render("pulumi preview dev", PREVIEW, GITHUB_LIMIT) == f"# pulumi preview dev\n\n```\n{PREVIEW}```\n"


def test_a_preview_holding_backticks_gets_a_longer_fence():
    text = "description: ```literal```\n"
    assert render("t", text, GITHUB_LIMIT) == f"# t\n\n````\n{text}````\n"


def test_a_long_preview_is_cut_at_a_line_the_fence_closed_and_the_rest_pointed_to():
    text = "".join(f"  + resource {i:05d}\n" for i in range(10_000))
    rendered = render("pulumi preview dev", text, GITHUB_LIMIT, link="https://github.com/acme/h3-ml/actions/runs/1")
    assert len(rendered) <= GITHUB_LIMIT
    head, fence, notice = rendered.rpartition("\n```\n")
    assert fence and head.count("```") == 1
    assert head.endswith("\n".join(text.splitlines()[: head.count("  + resource")]))
    kept = head.count("  + resource") * len("  + resource 00000\n")
    assert notice.startswith(f"\n(cut after {kept:,} of {len(text):,} characters: ")
    assert notice.endswith("the whole preview is in https://github.com/acme/h3-ml/actions/runs/1)\n")


class Gh:
    def __init__(self, comments):
        self.comments = comments
        self.calls: list[tuple[list[str], dict | None]] = []

    def __call__(self, args, stdin):
        self.calls.append((list(args), None if stdin is None else json.loads(stdin)))
        return json.dumps([self.comments]) if "--paginate" in args else "{}"


def test_github_creates_the_stacks_comment_once_then_updates_it():
    gh = Gh([{"id": 1, "body": "LGTM"}, {"id": 2, "body": f"{marker('prod')}\n# pulumi preview prod"}])
    assert post_github("acme/h3-ml", 41, "dev", "# pulumi preview dev\n", runner=gh) == "commented on pull request 41"
    assert gh.calls[-1] == (
        ["api", "--method", "POST", "repos/acme/h3-ml/issues/41/comments", "--input", "-"],
        {"body": f"{marker('dev')}\n# pulumi preview dev\n"},
    )
    gh = Gh([{"id": 1, "body": "LGTM"}, {"id": 3, "body": f"{marker('dev')}\n# old"}])
    assert post_github("acme/h3-ml", 41, "dev", "# new\n", runner=gh) == "updated comment 3 on pull request 41"
    assert gh.calls[-1] == (
        ["api", "--method", "PATCH", "repos/acme/h3-ml/issues/comments/3", "--input", "-"],
        {"body": f"{marker('dev')}\n# new\n"},
    )


ENV = {
    "BUILD_REASON": "PullRequest",
    "BUILD_REPOSITORY_PROVIDER": "TfsGit",
    "SYSTEM_ACCESSTOKEN": "build-token",
    "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
    "SYSTEM_TEAMPROJECTID": "p-1",
    "BUILD_REPOSITORY_ID": "r-2",
    "SYSTEM_PULLREQUEST_PULLREQUESTID": "42",
}
THREADS = "https://dev.azure.com/acme/p-1/_apis/git/repositories/r-2/pullRequests/42/threads"


class Http:
    def __init__(self, threads):
        self.threads = threads
        self.calls: list[tuple[str, str, dict | None]] = []

    def __call__(self, method, url, body):
        self.calls.append((method, url, body))
        return {"value": self.threads, "count": len(self.threads)} if method == "GET" else {}


def test_azure_repos_creates_a_closed_thread_marked_with_the_stack_then_updates_its_comment():
    http = Http([{"id": 5, "comments": [{"id": 1, "content": "please rename"}]}])
    assert post_azure(ENV, "dev", "# pulumi preview dev\n", http=http) == "posted the preview on pull request 42"
    assert http.calls[-1] == (
        "POST",
        f"{THREADS}?api-version=7.1",
        {
            "comments": [{"parentCommentId": 0, "content": "# pulumi preview dev\n", "commentType": 1}],
            "status": 4,
            "properties": {THREAD_PROPERTY: {"$type": "System.String", "$value": "dev"}},
        },
    )
    marked = {
        "id": 9,
        "properties": {THREAD_PROPERTY: {"$type": "System.String", "$value": "dev"}},
        "comments": [{"id": 1}],
    }
    http = Http([{"id": 5, "comments": [{"id": 1}]}, marked])
    assert post_azure(ENV, "dev", "# new\n", http=http) == "updated thread 9 on pull request 42"
    assert http.calls == [
        ("GET", f"{THREADS}?api-version=7.1", None),
        ("PATCH", f"{THREADS}/9/comments/1?api-version=7.1", {"content": "# new\n"}),
    ]


def test_azure_repos_leaves_a_run_that_validates_no_pull_request_alone():
    http = Http([])
    assert post_azure({**ENV, "BUILD_REASON": "IndividualCI"}, "dev", "x", http=http) == (
        "not an Azure Repos pull request: the preview stays in the run's summary"
    )
    assert http.calls == []
