#!/usr/bin/env bash
# Java for PySpark (the Spark parity test, tests/spark, and WAREHOUSE_ENGINE=spark).
# Idempotent: does nothing when a java is already on the PATH; otherwise installs Debian's
# `openjdk-17-jre-headless` package (needs root, e.g. in CI or a dev container).
set -euo pipefail

if command -v java >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
else
    SUDO=""
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless
command -v java
