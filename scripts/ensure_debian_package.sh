#!/usr/bin/env bash
# Usage: ensure_debian_package.sh COMMAND PACKAGE
# Makes COMMAND available: does nothing when it is already on the PATH, otherwise installs
# Debian's PACKAGE (needs root or sudo, e.g. in CI or a dev container). `make test` uses it for
# headless Chromium (the HTML report's browser test) and Java 17 (PySpark, the Spark tests).
set -euo pipefail

if [ "$#" -ne 2 ]; then
    echo "usage: $0 COMMAND PACKAGE  (e.g. $0 java openjdk-17-jre-headless)" >&2
    exit 2
fi
command_name="$1"
package="$2"
if command -v "$command_name" >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
else
    SUDO=""
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$package"
command -v "$command_name"
