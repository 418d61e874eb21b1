#!/usr/bin/env bash
# Installs what `make test-browser` needs, and nothing else:
#   - Debian's Chromium at /usr/bin/chromium when it is missing (apt-get; no browser download),
#   - the Python `playwright` package into .venv (it drives that Chromium through
#     executable_path; `playwright install` is never run).
# Idempotent: does nothing when both are present. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PY:-.venv/bin/python}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ ! -x /usr/bin/chromium ]; then
    echo "browser_tests/setup.sh: installing Debian's chromium (apt-get)"
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null
fi
/usr/bin/chromium --version

if [ ! -x "$PY" ]; then
    echo "browser_tests/setup.sh: $PY is missing; run 'make test' (or 'make lab') first" >&2
    exit 1
fi
if ! "$PY" -c "import playwright.sync_api, pytest" 2>/dev/null; then
    echo "browser_tests/setup.sh: installing playwright (and pytest) into .venv"
    "$PY" -m pip install --quiet "playwright>=1.40" "pytest>=8"
fi
"$PY" -c "import importlib.metadata as m; print('playwright', m.version('playwright'))"
