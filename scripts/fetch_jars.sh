#!/usr/bin/env bash
# Copies the jars local Spark needs into a folder, once. Maven's local repository keeps them, so later
# runs work offline; Spark's own --packages resolution would contact the repositories on every start.
set -euo pipefail
out="${1:?usage: fetch_jars.sh OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
# Transitive dependencies (antlr4, scala-parallel-collections, xz) already ship inside the pyspark wheel.
mvn --batch-mode --quiet -f "$here/jars/pom.xml" dependency:copy-dependencies \
  -DexcludeTransitive=true -DoutputDirectory="$(cd "$out" && pwd)"
ls "$out"/*.jar
