#!/usr/bin/env bash
# The README's two commands, with or without make:
#   bash scripts/venv.sh demo [dfew-build demo options]     (make demo DEMO="...")
#   bash scripts/venv.sh test [pytest options]              (make test)
# Creates the virtual environment .venv on first use and installs everything into it with
# scripts/setup.sh (again only when pyproject.toml or scripts/setup.sh changed), then runs the
# demo or the tests in it. PYTHON picks the interpreter that creates .venv (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:-}
if [ "$command" != demo ] && [ "$command" != test ]; then
    echo "error: say what to run — bash scripts/venv.sh demo|test [options]" >&2
    exit 2
fi
shift
venv=.venv
stamp=$venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/setup.sh -nt "$stamp" ]; then
    if ! "${PYTHON:-python3}" -m venv "$venv"; then
        echo "error: ${PYTHON:-python3} cannot create a virtual environment — install its venv" \
            "module (sudo apt-get install python3-venv) and run this again" >&2
        exit 2
    fi
    PYTHON=$venv/bin/python bash scripts/setup.sh
    touch "$stamp"
fi
if [ "$command" = demo ]; then
    exec "$venv/bin/dfew-build" demo "$@"
fi
exec "$venv/bin/python" -m pytest "$@"
