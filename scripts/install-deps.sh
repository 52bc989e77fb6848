#!/usr/bin/env bash
# install-deps.sh - install everything the project and its tests need; idempotent and fast
# when nothing is missing.
#
#   Debian packages (only the missing ones; `apt-get update` runs only if something is missing):
#     prometheus prometheus-node-exporter openssh-server iproute2 sshpass mariadb-client curl,
#     nginx (tests run the shipped conf/nginx in front of the manager),
#     mariadb-server only when nothing answers on 127.0.0.1:3306 and it is not installed,
#     a C compiler when there is none (the `server` extra, uwsgi, compiles C).
#     Package scripts are kept from starting the services they ship (they would listen on
#     0.0.0.0); scripts/testenv.sh starts what the tests need, bound to 127.0.0.1.
#   Python: .venv (python3 -m venv) with `pip install -e '.[server,test]'`, skipped while
#     .venv/.installed is newer than pyproject.toml.
PROG=install-deps
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

APT_PACKAGES=(prometheus prometheus-node-exporter openssh-server iproute2 sshpass mariadb-client curl nginx)

deb_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# ---------------------------------------------------------------- Debian packages

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    deb_installed "$pkg" || missing+=("$pkg")
done
if ! port_open 3306 && ! deb_installed mariadb-server; then
    missing+=(mariadb-server)
fi
if ! command -v cc >/dev/null; then
    missing+=(gcc libc6-dev)
fi
if [[ ! -x .venv/bin/python ]] && ! python3 -c 'import ensurepip' 2>/dev/null; then
    missing+=(python3-venv) # Debian's own python3 ships venv without ensurepip
fi

if ((${#missing[@]} == 0)); then
    log "Debian packages: all present"
else
    sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
        sudo=(sudo -n env DEBIAN_FRONTEND=noninteractive)
    fi
    log "Debian packages: installing ${missing[*]}"
    # Keep maintainer scripts from starting prometheus (*:9090), node_exporter (*:9100),
    # sshd (*:22), nginx (*:80) or mariadb, unless the machine already has a policy of its own.
    policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# temporary, from %s\nexit 101\n' "$ROOT/scripts/install-deps.sh" |
            "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod 755 "$policy"
        # shellcheck disable=SC2064  # expand now: the array is gone by EXIT time
        trap "${sudo[*]} rm -f '$policy'" EXIT
    fi
    apt_log=$(mktemp /tmp/install-deps-apt.XXXXXX)
    apt=("${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300)
    if ! { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
        tail -n 30 "$apt_log" | sed 's/^/    /' >&2
        die "apt-get failed installing ${missing[*]} (full log: $apt_log)"
    fi
    rm -f "$apt_log"
    log "Debian packages: installed ${missing[*]}"
fi

# ---------------------------------------------------------------- Python

if [[ ! -x .venv/bin/python ]]; then
    log "creating .venv with $(command -v python3) ($(python3 --version 2>&1))"
    python3 -m venv .venv
fi

stamp=.venv/.installed
if [[ $stamp -nt pyproject.toml && -x .venv/bin/pytest ]]; then
    log "Python packages: up to date ($stamp is newer than pyproject.toml)"
else
    log "Python packages: pip install -e '.[server,test]' (uwsgi compiles for ~15 s the first time)"
    rm -f "$stamp"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[server,test]'
    touch "$stamp"
    log "Python packages: installed"
fi
