#!/usr/bin/env bash
# Headless Chromium for the browser test of the HTML report (tests/e2e/test_html_report.py).
# Idempotent: does nothing when a chromium is already on the PATH; otherwise installs Debian's
# `chromium` package (needs root, e.g. in CI or a dev container). Playwright's own browser
# download (`playwright install`) is not used.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
else
    SUDO=""
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium
command -v chromium
