#!/usr/bin/env bash
# install-deps.sh - install everything the project and its tests need; idempotent and fast
# when nothing is missing.
#
#   Debian packages (only the missing ones; `apt-get update` runs only if something is missing):
#     prometheus prometheus-node-exporter openssh-server iproute2 sshpass mariadb-client curl,
#     sudo (the SSH test hosts' user becomes root with it, as Ansible's `become` does),
#     python3-apt (Ansible's apt module on the test hosts, which are this machine),
#     nginx-light (the web UI's production server, run by the web tests with the shipped conf),
#     chromium (the browser the web tests drive through Playwright) and fonts-wqy-microhei (Chinese
#     glyphs for its screenshots of the Chinese UI),
#     mariadb-server only when nothing answers on 127.0.0.1:3306 and it is not installed,
#     a C compiler when there is none (the `server` extra, uwsgi, compiles C), and libmariadb-dev
#     with pkg-config (the `server` extra's mysqlclient compiles against them).
#     Package scripts are kept from starting the services they ship (they would listen on
#     0.0.0.0); scripts/testenv.sh starts what the tests need, bound to 127.0.0.1.
#   Python: .venv (python3 -m venv) with `pip install -e '.[server,test]'`, skipped while
#     .venv/.installed is newer than pyproject.toml; gala_spider's ingest path compiled with
#     mypyc (scripts/build_native.py), again when one of its modules changed.
#   Web UI: `npm ci` in web/ when node_modules is older than package-lock.json, then
#     `npm run build` into web/dist, skipped while web/dist/index.html is newer than every
#     source of the build. Needs Node.js >= 20.19 and npm (not installed here: Debian 12's
#     nodejs is 18; the project's machines come with Node.js 20).
PROG=install-deps
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

APT_PACKAGES=(prometheus prometheus-node-exporter openssh-server iproute2 sshpass sudo python3-apt mariadb-client curl
    nginx-light chromium fonts-wqy-microhei libmariadb-dev pkg-config)

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
# gala_spider's ingest path compiled with mypyc (scripts/build_native.py): again after an edit.
native=$(.venv/bin/python scripts/build_native.py --if-stale) || die "scripts/build_native.py failed"
log "compiled ingest path: ${native#build_native: }"

# ---------------------------------------------------------------- web UI

WEB=web
# What the build reads (web/README.md): when none is newer than dist/index.html, dist is current.
WEB_SOURCES=("$WEB/src" "$WEB/public" "$WEB/index.html" "$WEB/package.json" "$WEB/package-lock.json"
    "$WEB/vite.config.ts" "$WEB/tsconfig.json" "$WEB/tsconfig.app.json" "$WEB/tsconfig.node.json")

node_ok() {
    command -v node >/dev/null && command -v npm >/dev/null &&
        node -e 'const [a, b] = process.versions.node.split(".").map(Number);
                 process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}

web_current() {
    [[ -f $WEB/dist/index.html ]] &&
        [[ -z $(find "${WEB_SOURCES[@]}" -newer "$WEB/dist/index.html" ! -name '*.test.ts' -print -quit) ]]
}

if web_current; then
    log "web UI: up to date ($WEB/dist is newer than its sources)"
else
    node_ok || die "building the web UI needs Node.js >= 20.19 with npm (found: $(node --version 2>/dev/null || echo none))"
    # node_modules/.package-lock.json is what npm last installed.
    if [[ ! $WEB/node_modules/.package-lock.json -nt $WEB/package-lock.json ]]; then
        log "web UI: npm ci (the packages of web/package-lock.json)"
        (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    log "web UI: npm run build -> $WEB/dist"
    (cd "$WEB" && npm run --silent build >/dev/null)
    log "web UI: built"
fi
