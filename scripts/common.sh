# common.sh - sourced by the scripts of this folder, after they set PROG (the name their messages
# start with): strict mode, ROOT (the repository), log, die and port_open.
# shellcheck shell=bash

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

port_open() { # PORT -> 0 when something accepts TCP connections on 127.0.0.1:PORT
    # shellcheck disable=SC2016  # expanded by the child shell
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null
}
