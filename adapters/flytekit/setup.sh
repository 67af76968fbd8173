#!/bin/sh
# Creates the flytekit adapter's virtualenv at target/flytekit-venv (or $FLYTEKIT_VENV) from
# PyPI, pinned by requirements.lock. Idempotent: a venv whose lock matches is kept.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${FLYTEKIT_VENV:-$repo/target/flytekit-venv}
stamp="$venv/.rawconf-lock"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$stamp" "$here/requirements.lock"; then
  exit 0
fi
python3 -m venv --help >/dev/null 2>&1 || { echo "setup.sh: python3 -m venv is missing (Debian: apt-get install python3-venv)" >&2; exit 1; }
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$here/requirements.lock"
"$venv/bin/python" -c 'import flytekit, docker' 
cp "$here/requirements.lock" "$stamp"
echo "setup.sh: flytekit $("$venv/bin/python" -c 'import flytekit; print(flytekit.__version__)') ready in $venv"
