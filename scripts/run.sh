#!/usr/bin/env bash
# Set up the project's virtual environment (idempotent), then run a job in it.
#   bash scripts/run.sh demo   # the main job: the built-in demo
#   bash scripts/run.sh test   # the test suite (what CI runs)
#   bash scripts/run.sh <cmd>  # any command inside the environment
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${CHAOSGYM_VENV:-.venv}
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.chaosgym-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  # The CPU build of torch first, so stable-baselines3 never pulls a CUDA build.
  "$VENV/bin/python" -m pip install --quiet "torch==2.13.0" \
    || "$VENV/bin/python" -m pip install --quiet "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
  "$VENV/bin/python" -m pip install --quiet -e ".[all]"
  touch "$stamp"
fi
export SDL_VIDEODRIVER=${SDL_VIDEODRIVER:-dummy}
export SDL_AUDIODRIVER=${SDL_AUDIODRIVER:-dummy}
job=${1:-demo}
shift || true
case "$job" in
  demo) exec "$VENV/bin/chaosgym" demo "$@" ;;
  test) exec "$VENV/bin/python" -m pytest -q "$@" ;;
  *) exec "$VENV/bin/$job" "$@" ;;
esac
