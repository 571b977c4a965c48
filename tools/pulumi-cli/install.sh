#!/usr/bin/env bash
# Puts the Pulumi CLI of this module's release at $1 (make: .cache/bin/pulumi), for the tests that run the
# scripts against the real CLI. In order: keep the binary already there, link a `pulumi` on PATH, or build
# it with Go from the module proxy. Whichever it is, its release is read from the binary itself.
set -euo pipefail

dest=$(realpath -m "${1:?usage: install.sh <destination binary>}")
here=$(cd "$(dirname "$0")" && pwd)
version=$(sed -nE 's#^(require[[:space:]]+)?[[:space:]]*github\.com/pulumi/pulumi/pkg/v3[[:space:]]+v([^[:space:]]+).*#\2#p' \
  "$here/go.mod" | head -n1)
[ -n "$version" ] || { echo "no github.com/pulumi/pulumi/pkg/v3 requirement in $here/go.mod" >&2; exit 1; }

# A release build prints its version; a plain `go build` prints an empty line, so its module version is
# read from the Go build info instead.
release_of() {
  local v
  v=$("$1" version 2>/dev/null | head -n1 || true)
  if [ -z "$v" ] && command -v go >/dev/null 2>&1; then
    v=$(go version -m "$1" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/pulumi/pulumi/pkg/v3" { print $3 }')
  fi
  echo "${v#v}"
}

if [ -x "$dest" ] && [ "$(release_of "$dest")" = "$version" ]; then
  exit 0
fi

mkdir -p "$(dirname "$dest")"
found=$(command -v pulumi 2>/dev/null || true)
if [ -n "$found" ] && [ "$(realpath "$found")" != "$dest" ] && [ "$(release_of "$found")" = "$version" ]; then
  ln -sf "$found" "$dest"
elif command -v go >/dev/null 2>&1; then
  # `go install .../cmd/pulumi@v$version` refuses: pkg/v3's go.mod has replace directives. This module
  # requires pkg/v3 at the release instead and carries those replacements itself. About 6 minutes on
  # 2 cores with a cold module cache; the version is stamped in as the release builds do.
  echo "building Pulumi CLI v$version with Go (a few minutes the first time)" >&2
  rm -f "$dest"
  (cd "$here" && go build -trimpath -o "$dest.tmp" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  mv "$dest.tmp" "$dest"
else
  echo "The Pulumi CLI v$version is needed by the tests that run it: install Go (https://go.dev/dl), which" \
    "builds it, or the Pulumi CLI v$version (https://www.pulumi.com/docs/iac/download-install/), then re-run make" >&2
  exit 1
fi

got=$(release_of "$dest")
if [ "$got" != "$version" ]; then
  echo "$dest is Pulumi CLI '${got:-unknown}', not v$version: remove it and re-run make" >&2
  exit 1
fi
