#!/usr/bin/env bash
# Prepare a fresh machine: a Python ≥ 3.12, uv, the locked virtualenv, gettext for the
# translations and (with --test) Chromium and a CJK font for the browser tests.
# Safe to run again: every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1
UV_VERSION="0.13.9"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3 \
      "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 \
      /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

apt_install() {
  # Debian packages the project needs; only attempted as root on a Debian-like system.
  local missing=("$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Please install these system packages: ${missing[*]}" >&2
    return 1
  fi
  log "apt-get install ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

PYTHON=$(find_python) || { echo "Kizuna needs Python 3.12 or newer." >&2; exit 1; }

if command -v uv >/dev/null 2>&1; then
  UV=$(command -v uv)
elif [ -x .tools/bin/uv ]; then
  UV=.tools/bin/uv
else
  log "installing uv into .tools/"
  "$PYTHON" -m venv .tools
  .tools/bin/pip install --quiet "uv==${UV_VERSION}"
  UV=.tools/bin/uv
fi

log "installing Kizuna and its locked dependencies into .venv"
UV_PYTHON_DOWNLOADS=never "$UV" sync --frozen --python "$PYTHON" --quiet

packages=()
command -v msgfmt >/dev/null 2>&1 || packages+=(gettext)
if [ $want_test -eq 1 ]; then
  [ -x /usr/bin/chromium ] || packages+=(chromium)
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || packages+=(fonts-noto-cjk)
fi
apt_install "${packages[@]}"

log "compiling translations"
.venv/bin/kizuna manage compilemessages --ignore=.venv --verbosity 0
