#!/usr/bin/env bash
# Install dfew-build and everything its tests need, on a fresh Debian/Ubuntu machine with Python ≥ 3.11.
#   bash scripts/setup.sh
# PYTHON picks the interpreter (default python3); run it inside a virtual environment if you prefer.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

# System packages the tests use: a PostgreSQL server (started by the tests in a temporary folder).
if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "note: PostgreSQL server binaries missing; its tests will be skipped (apt-get install postgresql)"
    fi
fi

# PyTorch first, pinned, so that the project's "torch>=2.4" is already met (a CPU build where one is
# available locally, the standard build otherwise) and pip does not pick a newer multi-GB build.
if ! "$python" -c "import torch" 2>/dev/null; then
    "$python" -m pip install --quiet "torch==2.13.0"
fi
"$python" -m pip install --quiet -e ".[test]"
