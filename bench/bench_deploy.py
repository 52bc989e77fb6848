"""One deployment task over 20 SSH test hosts through the API, against ansible-playbook by hand.

The task runs one component of three steps (install, configure, start: bench/deploy_ansible)
on 20 SSH test hosts (tests/sshhosts.py: network namespaces, password logins through sshpass).
Through the API: /manage/task/execute, then /manage/task/status every 0.2 s until the run has
ended. By hand: `ansible-playbook` on the same inventory (the manager's own inventory writer,
the same logins), the same variables, forks and Ansible settings. The hosts' files are removed
before every run, so that each run does the same work; the two ways alternate, after one warm-up
run of each. Targets: the median wall time through the API at most 1.15 times the median by
hand, and every host's state visible through the API within 1 s of its step ending there (the
time Ansible's event gives), polling included. Needs root (the SSH test hosts).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from support import report
from support.client import VAULT_KEY
from support.client import Client
from support.env import ROOT
from support.env import load_average
from support.services import aops_stack

from aops_manager.deploy.ansible_env import AnsibleSetup
from aops_manager.deploy.inventory import Connection
from aops_manager.deploy.inventory import write_inventory
from aops_manager.deploy.plan import Login
from aops_manager.deploy.plan import Target
from tests import sshhosts

ANSIBLE_DIR = Path(__file__).resolve().parent / "deploy_ansible"
COMPONENT = "benchpkg"
HOSTS = 20
FORKS = 20
ROUNDS = 3
POLL_S = 0.2
TARGET_RATIO = 1.15
TARGET_VISIBLE_S = 1.0
ENDED = ("succeeded", "failed", "cancelled", "interrupted")


def clean(hosts: sshhosts.SshHosts) -> None:
    for host in hosts.hosts:
        shutil.rmtree(host.root / "opt", ignore_errors=True)


def through_api(client: Client, task_id: str) -> tuple[float, list[float], dict[str, Any]]:
    """Wall time of one run through the API, and for each host how long after its step ended
    there its final state was first seen."""
    started = time.monotonic()
    run_id = client.ok("/manage/task/execute", {"task_list": [task_id]})["run_id"]
    seen: dict[str, float] = {}
    while True:
        run = client.ok("/manage/task/status", {"run_id": run_id})["run"]
        now = time.time()
        for host in run["steps"][0]["hosts"]:
            if host["status"] not in ("queued", "running") and host["host_id"] not in seen:
                seen[host["host_id"]] = now - float(host["ended_at"])
        if run["status"] in ENDED:
            wall = time.monotonic() - started
            break
        time.sleep(POLL_S)
    if run["status"] != "succeeded":
        raise RuntimeError(f"run {run_id}: {run['status']} {run['reason']}: {run['steps']}")
    return wall, list(seen.values()), run


def by_hand(workdir: Path, setup: AnsibleSetup, variables: Path) -> float:
    playbook = ANSIBLE_DIR / "playbooks" / f"{COMPONENT}.yml"
    command = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "-i", str(workdir / "inventory" / "hosts.yml"),
        "-e", f"@{variables}",
        "-f", str(FORKS),
        str(playbook),
    ]  # fmt: skip
    env = {**os.environ, **setup.environment(workdir)}
    started = time.monotonic()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"ansible-playbook failed ({result.returncode}): {result.stdout[-2000:]}")
    return wall


def setup_task(client: Client, hosts: sshhosts.SshHosts) -> tuple[str, dict[str, Any]]:
    client.ok("/manage/host/group/add", {"host_group_name": "bench", "description": ""})
    login = {"username": hosts.user, "password": hosts.password}
    entries = [
        {"host_name": h.name, "host_group_name": "bench", "public_ip": h.address, "ssh_port": h.port, **login}
        for h in hosts.hosts
    ]
    ids = client.ok("/manage/host/add", {"key": VAULT_KEY, "host_list": entries})["host_list"]
    variables = {"hosts_base": str(hosts.base / "hosts"), "version": "2.0"}
    content = {"step_list": {COMPONENT: {"enable": True}}, "variables": {COMPONENT: variables}}
    client.ok("/manage/template/import", {"template_name": "bench", "template_content": content})
    task = {
        "task_name": "bench",
        "template_name": ["bench"],
        "host_list": [{"host_id": host_id, "components": [COMPONENT]} for host_id in ids],
    }
    return str(client.ok("/manage/task/generate", task)["task_id"]), variables


def hand_inventory(workdir: Path, hosts: sshhosts.SshHosts, setup: AnsibleSetup) -> None:
    login = Login(hosts.user, password=hosts.password)
    targets = [Target(h.name, h.name, h.address, h.port, login, (COMPONENT,)) for h in hosts.hosts]
    write_inventory(workdir, targets, setup.connection)


def run() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    # The services run this checkout's code (uWSGI's Python reads PYTHONPATH).
    os.environ["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    deploy = f"ansible_dir={ANSIBLE_DIR}\nforks={FORKS}\nmax_runs=1\ncollect_facts=false\n"
    setup = AnsibleSetup((ANSIBLE_DIR,), FORKS, 10, Connection("sudo", "/usr/bin/python3"))
    api_s: list[float] = []
    hand_s: list[float] = []
    visible: list[float] = []
    with (
        sshhosts.ssh_hosts(HOSTS) as hosts,
        aops_stack("mysql", "elasticsearch", deploy=deploy) as stack,
        tempfile.TemporaryDirectory(prefix="aops-bench-hand-") as scratch,
    ):
        report.say(f"deploy benchmark: {HOSTS} SSH test hosts, forks {FORKS}, {args.rounds} rounds")
        report.say(f"  {stack.describe()}")
        client = Client(stack.manager_url)
        client.login()
        task_id, variables = setup_task(client, hosts)
        workdir = Path(scratch)
        hand_inventory(workdir, hosts, setup)
        vars_file = workdir / "vars.json"
        vars_file.write_text(json.dumps(variables))
        clean(hosts)
        through_api(client, task_id)  # warm-up: first imports, first connections
        clean(hosts)
        by_hand(workdir, setup, vars_file)
        for number in range(args.rounds):
            order = ("api", "hand") if number % 2 == 0 else ("hand", "api")
            for way in order:
                clean(hosts)
                if way == "api":
                    wall, seen, _ = through_api(client, task_id)
                    api_s.append(wall)
                    visible.extend(seen)
                else:
                    hand_s.append(by_hand(workdir, setup, vars_file))
            report.say(f"  round {number + 1}: api {api_s[-1]:.2f} s, by hand {hand_s[-1]:.2f} s")
    api_median, hand_median = statistics.median(api_s), statistics.median(hand_s)
    ratio = api_median / hand_median
    worst = max(visible)
    report.say(f"  median wall time: api {api_median:.2f} s, by hand {hand_median:.2f} s, ratio {ratio:.3f}")
    seen = f"median {statistics.median(visible):.2f} s, max {worst:.2f} s"
    report.say(f"  host state visible after its step ended: {seen}")
    met = ratio <= TARGET_RATIO and worst <= TARGET_VISIBLE_S
    verdict = "met" if met else "MISSED"
    report.say(f"  targets: ratio <= {TARGET_RATIO} and visible within {TARGET_VISIBLE_S:.0f} s: {verdict}")
    return {
        "benchmark": "deploy",
        "hosts": HOSTS,
        "forks": FORKS,
        "rounds": args.rounds,
        "api_s": [round(s, 3) for s in api_s],
        "hand_s": [round(s, 3) for s in hand_s],
        "api_median_s": round(api_median, 3),
        "hand_median_s": round(hand_median, 3),
        "ratio": round(ratio, 3),
        "visible_median_s": round(statistics.median(visible), 3),
        "visible_max_s": round(worst, 3),
        "poll_s": POLL_S,
        "target_ratio": TARGET_RATIO,
        "target_visible_s": TARGET_VISIBLE_S,
        "load_average": load_average(),
        "targets_met": met,
    }


if __name__ == "__main__":
    report.main_guard(run)
