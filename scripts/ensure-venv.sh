#!/usr/bin/env bash
# Make .venv ready for this checkout, installing only when something it depends on changed.
#
#   bash scripts/ensure-venv.sh              the app (scripts/run)
#   bash scripts/ensure-venv.sh test         the app and its test extras (scripts/test)
#   bash scripts/ensure-venv.sh --check [test]
#                                            say whether an install is due (exit 1, with the reason) or not
#                                            (exit 0), changing nothing
#
# After a successful install the stamp .venv/registry-install.stamp records the checkout's folder,
# the sha256 of setup.cfg, pyproject.toml and this script, and what was installed (app, or app and
# test). The next call compares: the same stamp skips pip entirely; a changed setup.cfg or
# pyproject.toml (new dependency, new package) installs again into the same .venv; no .venv, a
# .venv of another Python than `python3` (version or installation), or one made for another folder
# (its scripts name the old path) is made afresh. The app is installed editable, so code changes
# never need an install. A failed install leaves no stamp, so the next call tries again.
set -euo pipefail
cd "$(dirname "$0")/.."

check_only=0
if [ "${1:-}" = --check ]; then
  check_only=1
  shift
fi
extras=${1:-}
case "$extras" in
  "") wanted=app ;;
  test) wanted=test ;;
  *) echo "usage: bash scripts/ensure-venv.sh [--check] [test]" >&2; exit 2 ;;
esac

venv=.venv
stamp=$venv/registry-install.stamp
# What makes two interpreters the same for a venv: version, ABI tag and installation.
python_id() {
  "$1" -c 'import sys; print(sys.version.split()[0], sys.implementation.cache_tag, sys.base_prefix)' 2>/dev/null
}
stamp_value() { sed -n "s/^$1=//p" "$stamp" 2>/dev/null; }

want_python=$(python_id python3) || { echo "python3 (3.11 or newer) is needed" >&2; exit 1; }
inputs=$(cat setup.cfg pyproject.toml scripts/ensure-venv.sh | sha256sum | cut -d' ' -f1)

recreate=0
reason=""
if [ ! -x "$venv/bin/python" ]; then
  recreate=1 reason="no $venv yet"
elif [ "$(python_id "$venv/bin/python" || true)" != "$want_python" ]; then
  recreate=1 reason="$venv was made with another Python than python3 ($want_python)"
elif [ ! -f "$stamp" ]; then
  reason="$venv has no record of a finished install"
elif [ "$(stamp_value root)" != "$PWD" ]; then
  recreate=1 reason="$venv was made for another folder ($(stamp_value root))"
elif [ "$(stamp_value inputs)" != "$inputs" ]; then
  reason="setup.cfg, pyproject.toml or scripts/ensure-venv.sh changed since the last install"
elif [ "$wanted" = test ] && [ "$(stamp_value installed)" != test ]; then
  reason="the test extras are not installed yet"
fi

if [ -z "$reason" ]; then
  echo "Python packages in $venv are up to date (setup.cfg and pyproject.toml unchanged)"
  exit 0
fi
if [ "$check_only" = 1 ]; then
  echo "install needed: $reason"
  exit 1
fi

echo "installing Python packages into $venv: $reason"
if [ "$recreate" = 1 ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
fi
rm -f "$stamp"
"$venv/bin/python" -m pip install --quiet --upgrade pip setuptools wheel
"$venv/bin/python" -m pip install --quiet -e ".${extras:+[$extras]}"
printf 'root=%s\ninputs=%s\ninstalled=%s\npython=%s\n' "$PWD" "$inputs" "$wanted" "$want_python" >"$stamp"
