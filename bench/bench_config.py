"""A full status check of one configuration domain through the API, and the comparison alone.

Status: one domain of `--hosts` SSH test hosts (tests/sshhosts.py: network namespaces, one sshd
each, password logins) x `--files` managed sysctl-style files of `KEYS` keys; every other host
has one key of each file drifted. The time is that of POST /confs/getDomainStatus, which
collects every file of every host through the manager and compares it (median of `--rounds`
after one warm-up). The issue's domain is 200 hosts x 20 files; namespaces beyond a few dozen
hosts do not fit this 2-core machine beside the shared servers, so the default is 20 hosts
(`--hosts 200` runs the full size where it fits).

Comparison: the same expected files against 200 hosts' worth of real files (every other one
drifted), in this process, as getDomainStatus compares them (gala_ragdoll.status.domain_status):
files compared per second. The drifted hosts are drifted alike, and a check compares each distinct
text once; the figure with each drifted host drifted its own way (every text distinct, each
parsed and diffed) is printed besides, without a target. Targets: status < 15 s, comparison >
50,000 files/s. Needs root.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from support import report
from support.env import load_average

from gala_ragdoll.clients import HostFiles
from gala_ragdoll.clients import RealFile
from gala_ragdoll.status import domain_status
from gala_ragdoll.store.models import ExpectedFile
from tests import sshhosts
from tests.aops_manager.deploying import DEPLOY_CONF
from tests.aops_manager.deploying import add_host
from tests.conftest import mariadb_suite
from tests.gala_ragdoll.serving import ragdoll

KEYS = 40
COMPARE_HOSTS = 200
TARGET_STATUS_S = 15.0
TARGET_FILES_PER_S = 50_000


def contents(index: int, drifted: bool, host: int | None = None) -> str:
    """File `index`; drifted, one key's value is "drifted" (or "drifted-<host>": each host's own)."""
    lines = [f"net.bench.f{index}.k{k} = {k}" for k in range(KEYS)]
    if drifted:
        value = "drifted" if host is None else f"drifted-{host}"
        lines[index % KEYS] = f"net.bench.f{index}.k{index % KEYS} = {value}"
    return "\n".join(lines) + "\n"


def drifted(host: int, every: int) -> bool:
    return every > 0 and host % every == every - 1


def comparison_rate(paths: list[str], rounds: int, drifted_every: int = 2, alike: bool = True) -> float:
    """Files compared per second (best of `rounds`) for COMPARE_HOSTS hosts' worth of files, every
    `drifted_every`th host drifted (1: all; 0: none), all alike or (`alike` False) each host its
    own way, so that no two hosts' texts are the same (a check compares each distinct text once)."""
    expected = [ExpectedFile(p, contents(i, False)) for i, p in enumerate(paths)]
    hosts = [f"h{n}" for n in range(COMPARE_HOSTS)]
    real = {
        h: HostFiles(
            h,
            {
                p: RealFile(
                    p, contents(i, drifted(n, drifted_every), None if alike else n), "0644", "root", "root"
                )
                for i, p in enumerate(paths)
            },
            {},
        )
        for n, h in enumerate(hosts)
    }
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        statuses = domain_status(expected, hosts, real)
        best = min(best, time.perf_counter() - started)
    found = sum(f.state != "SYNCHRONIZED" for s in statuses for f in s.files)
    assert found == sum(drifted(n, drifted_every) for n in range(COMPARE_HOSTS)) * len(paths), found
    return len(hosts) * len(paths) / best


def deploy_conf(hosts: int) -> str:
    """The deployment tests' [deploy] settings with the shipped connect_timeout (10 s, not the
    tests' 3: the tests wait for hosts that never answer, this one for hosts of a loaded machine,
    whose sudo may take longer than 3 + 2 s); a collection reads all the hosts at once (the
    shipped collect_forks, 100, or the hosts when more)."""
    conf = DEPLOY_CONF.replace("connect_timeout=3\n", "connect_timeout=10\n")
    assert conf != DEPLOY_CONF
    return conf + (f"collect_forks={hosts}\n" if hosts > 100 else "")


def run_status(args: argparse.Namespace, work: Path) -> tuple[list[float], list[str]]:
    hosts = sshhosts.start(args.hosts)
    try:
        with (
            mariadb_suite(work / "conf", deploy=deploy_conf(args.hosts)) as suite,
            ragdoll(suite, work / "repo") as served,
        ):
            paths = [str(hosts.private_dir / f"bench-{i}.conf") for i in range(args.files)]
            for n, host in enumerate(hosts.hosts):
                for i in range(args.files):
                    (host.private / f"bench-{i}.conf").write_text(contents(i, drifted(n, 2)))
            user, token = suite.add_user()
            ids = [add_host(suite, token, hosts, h).host_id for h in hosts.hosts]
            served.call("POST", "/domain/createDomain", [{"domainName": user}], token)
            infos = {"domainName": user, "hostInfos": [{"hostId": h} for h in ids]}
            assert served.call("POST", "/host/addHost", infos, token)[0] == 200
            confs = [{"filePath": p, "contents": contents(i, False)} for i, p in enumerate(paths)]
            body = {"domainName": user, "confFiles": confs}
            assert served.call("POST", "/management/addManagementConf", body, token)[0] == 200
            times = []
            for number in range(args.rounds + 1):
                started = time.monotonic()
                status, reply = served.call("POST", "/confs/getDomainStatus", {"domainName": user}, token)
                elapsed = time.monotonic() - started
                assert status == 200, reply
                states = [f["isSynced"] for h in reply["hostStatus"] for f in h["syncStatus"]]
                synced = states.count("SYNCHRONIZED")
                failed = {h.get("reason", "") for h in reply["hostStatus"] if not h["reachable"]}
                if failed:
                    report.say(f"  round {number}: {elapsed:.2f} s, hosts not read: {sorted(failed)[:3]}")
                assert synced == (args.hosts + 1) // 2 * args.files, (synced, reply["hostStatus"][:2])
                report.say(f"  status round {number}{' (warm-up)' if number == 0 else ''}: {elapsed:.2f} s")
                if number:
                    times.append(elapsed)
            return times, paths
    finally:
        sshhosts.stop(hosts)


def run() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    report.say(f"config benchmark: {args.hosts} SSH test hosts x {args.files} files of {KEYS} keys")
    with tempfile.TemporaryDirectory(prefix="bench-config-") as tmp:
        times, paths = run_status(args, Path(tmp))
    status_s = statistics.median(times)
    rate = comparison_rate(paths, args.rounds)
    in_sync, all_drifted = comparison_rate(paths, args.rounds, 0), comparison_rate(paths, args.rounds, 1)
    own_way = comparison_rate(paths, args.rounds, alike=False)
    report.say(f"  status median {status_s:.2f} s; comparison {rate:,.0f} files/s ({COMPARE_HOSTS} hosts)")
    report.say(f"  comparison with no file drifted {in_sync:,.0f} files/s, every file {all_drifted:,.0f}")
    report.say(f"  comparison with every other host drifted its own way {own_way:,.0f} files/s (no target)")
    met = status_s < TARGET_STATUS_S and rate > TARGET_FILES_PER_S
    report.say(f"  targets: status < {TARGET_STATUS_S:.0f} s and > {TARGET_FILES_PER_S:,} files/s: {met}")
    return {
        "benchmark": "config",
        "hosts": args.hosts,
        "files": args.files,
        "keys_per_file": KEYS,
        "status_s": [round(t, 3) for t in times],
        "status_median_s": round(status_s, 3),
        "compare_hosts": COMPARE_HOSTS,
        "compare_files_per_s": round(rate),
        "compare_in_sync_files_per_s": round(in_sync),
        "compare_all_drifted_files_per_s": round(all_drifted),
        "compare_drifted_own_way_files_per_s": round(own_way),
        "load_average": load_average(),
        "targets_met": met,
    }


if __name__ == "__main__":
    report.main_guard(run)
