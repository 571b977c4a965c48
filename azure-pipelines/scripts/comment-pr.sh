#!/usr/bin/env bash
# Posts a Markdown file as a new comment thread on the pull request this run validates, as the GitHub
# workflow's preview comments do. Azure Repos only (a GitHub repository's pull request gets no comment from
# here); the build service identity needs "Contribute to pull requests" on the repository, and the step
# passes SYSTEM_ACCESSTOKEN. API: https://learn.microsoft.com/rest/api/azure/devops/git/pull-request-threads/create
set -euo pipefail
file=${1:?usage: comment-pr.sh <markdown file>}
if [ "${BUILD_REASON:-}" != PullRequest ] || [ "${BUILD_REPOSITORY_PROVIDER:-}" != TfsGit ]; then
  echo "not an Azure Repos pull request: the preview stays in the run's summary"
  exit 0
fi
# Long previews are cut: the thread links to the run for the rest.
limit=100000
content=$(head -c "$limit" "$file")
if [ "$(wc -c <"$file")" -gt "$limit" ]; then
  content+=$'\n\n(cut; the whole preview is in the summary of run '"$SYSTEM_COLLECTIONURI$SYSTEM_TEAMPROJECT/_build/results?buildId=$BUILD_BUILDID"')'
fi
url="${SYSTEM_COLLECTIONURI}${SYSTEM_TEAMPROJECTID}/_apis/git/repositories/${BUILD_REPOSITORY_ID}/pullRequests/${SYSTEM_PULLREQUEST_PULLREQUESTID}/threads?api-version=7.1"
# status 4: closed, so the comment informs without blocking a "resolve all comments" policy.
jq -n --arg content "$content" '{comments: [{parentCommentId: 0, content: $content, commentType: 1}], status: 4}' |
  curl --fail-with-body --silent --show-error -X POST "$url" \
    -H "Authorization: Bearer $SYSTEM_ACCESSTOKEN" -H "Content-Type: application/json" --data @- >/dev/null
echo "posted the preview on pull request $SYSTEM_PULLREQUEST_PULLREQUESTID"
