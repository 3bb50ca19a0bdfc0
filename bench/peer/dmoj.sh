#!/usr/bin/env bash
# Installs DMOJ's judge (PyPI dmoj 4.1.0) into a venv, idempotently, and judges one submission with it
# through dmoj_judge.py (bench/peer/README.md).
#
#   bench/peer/dmoj.sh PROBLEM_DIR SOURCE LANG [--repeat N] [--time-limit-ms MS] [--memory-mib MIB] [-v]
#   bench/peer/dmoj.sh --install
#
# As root the judge runs as the unprivileged system user $DMOJ_PEER_USER (default xcode-peer), because
# DMOJ's sandbox stops fork() with RLIMIT_NPROC=0, which the kernel never enforces for uid 0.
# DMOJ_PEER_AS_ROOT=1 skips that (then a submission can fork).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${XCODE_HOME:-$HOME/.cache/xcode}/peer/dmoj
user=${DMOJ_PEER_USER:-xcode-peer}
version=4.1.0

install() {
  # Building cptbox needs g++, Python's headers and seccomp.h; the judge then runs g++ and python3.
  local packages=(build-essential python3-dev python3-venv libseccomp-dev util-linux) missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    if [[ $(id -u) != 0 ]]; then
      echo "dmoj.sh: missing Debian packages: ${missing[*]} (apt-get install them as root)" >&2
      exit 1
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  fi
  [[ -x $venv/bin/python ]] || /usr/bin/python3 -m venv "$venv"
  if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('dmoj') != '$version')" 2>/dev/null; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "dmoj==$version" >&2
  fi
  # Without the compiled sandbox DMOJ cannot judge at all: fail here rather than mid-run.
  "$venv/bin/python" -c 'import dmoj.cptbox._cptbox, dmoj.checkers._checker'
}

install
[[ ${1:-} == --install ]] && exit 0

if [[ $(id -u) != 0 || -n ${DMOJ_PEER_AS_ROOT:-} || $# -lt 2 || $1 == -* ]]; then
  exec "$venv/bin/python" "$here/dmoj_judge.py" "$@"
fi

# Root: run as $user. The venv (under $HOME=/root, mode 700), this folder, the problem and the source may be
# unreadable to it, so a private mount namespace binds them under one world-readable folder first.
id -u "$user" >/dev/null 2>&1 ||
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
problem=$(realpath "$1")
source=$(realpath "$2")
name=$(basename "$source")
shift 2
mnt=$(mktemp -d /tmp/xcode-peer.XXXXXX)
chmod 755 "$mnt"
mkdir "$mnt/venv" "$mnt/bin" "$mnt/problem" "$mnt/src"
touch "$mnt/src/$name"
cleanup() { rm -f "$mnt/src/$name"; rmdir "$mnt/venv" "$mnt/bin" "$mnt/problem" "$mnt/src" "$mnt"; }
trap cleanup EXIT

status=0
unshare --mount --propagation private -- bash -euc '
  mnt=$1 venv=$2 here=$3 problem=$4 source=$5 name=$6 user=$7
  shift 7
  mount --bind "$venv" "$mnt/venv"
  mount --bind "$here" "$mnt/bin"
  mount --bind "$problem" "$mnt/problem"
  mount --bind "$source" "$mnt/src/$name"
  exec setpriv --reuid="$user" --regid="$user" --clear-groups -- \
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/nonexistent LANG=C.UTF-8 \
    "$mnt/venv/bin/python" "$mnt/bin/dmoj_judge.py" "$mnt/problem" "$mnt/src/$name" "$@"
' bash "$mnt" "$venv" "$here" "$problem" "$source" "$name" "$user" "$@" || status=$?
exit "$status"
