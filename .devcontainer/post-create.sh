#!/usr/bin/env bash
# Runs once when the dev container is created: the CLIs the features do not bring, at the project's versions.
# Node, Python, Java with Maven, Go and the Azure CLI come from the features in devcontainer.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# make and the build tools the Makefile and pip may need.
if ! command -v make >/dev/null 2>&1; then
  sudo apt-get update && sudo apt-get install -y --no-install-recommends make
fi

# The Pulumi CLI of the SDK release the program uses (package.json); `make install-pulumi` then links it
# into .cache/bin for the tests instead of building one.
pulumi_version=$(node -p "require('./package.json').dependencies['@pulumi/pulumi']")
curl -fsSL https://get.pulumi.com | sh -s -- --version "$pulumi_version"

# The Databricks CLI (make settings writes a profile for it), pinned in devcontainer.json.
curl -fsSL "https://raw.githubusercontent.com/databricks/setup-cli/v${DATABRICKS_CLI_VERSION}/install.sh" | sudo sh

echo "Ready: make demo, make test (see README.md)"
