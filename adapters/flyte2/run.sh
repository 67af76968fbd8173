#!/bin/sh
# The Flyte 2 adapter's entry point for `--runtime 'cmd:adapters/flyte2/run.sh'`: runs
# adapter.py with the venv made by setup.sh (target/flyte2-venv, or $FLYTE2_VENV).
here=$(cd "$(dirname "$0")" && pwd)
venv=${FLYTE2_VENV:-$here/../../target/flyte2-venv}
if [ ! -x "$venv/bin/python" ]; then
  echo "Flyte 2 adapter: no venv at $venv; run adapters/flyte2/setup.sh first" >&2
  exit 1
fi
exec "$venv/bin/python" "$here/adapter.py" "$@"
