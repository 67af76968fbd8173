#!/bin/sh
# The flytekit adapter's entry point for `--runtime 'cmd:adapters/flytekit/run.sh'`: runs
# adapter.py with the venv made by setup.sh (target/flytekit-venv, or $FLYTEKIT_VENV).
here=$(cd "$(dirname "$0")" && pwd)
venv=${FLYTEKIT_VENV:-$here/../../target/flytekit-venv}
if [ ! -x "$venv/bin/python" ]; then
  echo "flytekit adapter: no venv at $venv; run adapters/flytekit/setup.sh first" >&2
  exit 1
fi
exec "$venv/bin/python" "$here/adapter.py" "$@"
