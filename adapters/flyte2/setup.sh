#!/bin/sh
# Creates the Flyte 2 adapter's virtualenv at target/flyte2-venv (or $FLYTE2_VENV) from PyPI,
# every package pinned by requirements.lock. Idempotent: a venv whose lock stamp matches is kept,
# so CI and the tests can call it every time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${FLYTE2_VENV:-$repo/target/flyte2-venv}
stamp="$venv/.rawconf-lock"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$stamp" "$here/requirements.lock"; then
  exit 0
fi
python3 -m venv --help >/dev/null 2>&1 || { echo "setup.sh: python3 -m venv is missing (Debian: apt-get install python3-venv)" >&2; exit 1; }
rm -rf "$venv"
python3 -m venv "$venv"
# --no-deps: the lock is the whole closure; a package missing from it fails the import below.
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$here/requirements.lock"
"$venv/bin/python" -c 'import flyte, flyte.extras, docker'
cp "$here/requirements.lock" "$stamp"
echo "setup.sh: flyte $("$venv/bin/python" -c 'import flyte; print(flyte.__version__)') ready in $venv"
