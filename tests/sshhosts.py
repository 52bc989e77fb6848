"""Real SSH test hosts: each a network namespace with its own address, hostname and sshd.

A run of N hosts owns one private /24 behind a bridge in the root namespace (the bridge is .1,
the hosts .2 onwards), a system user of its own that logs in with a password or a key and may
`sudo` to root without a password (Ansible `become`), and a base directory holding the sshd
configurations, the key pair, the user's home and one root directory per host. A namespace
isolates the network and the hostname only: files "deployed" to a host land on this machine's
disk, so roles take the host's `root` as their deploy root, and packages really install here.

Everything a run creates carries its run id and is listed in a state file under
/run/aops-test-hosts/; a later run tears down what a dead run left (pytest killed, for example).
Needs root: `ip netns`, `useradd`, and sshd's privilege separation.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml

from tests.netchange import network_change

STATE_DIR = Path("/run/aops-test-hosts")
SSHD = "/usr/sbin/sshd"
NETNS_ETC = Path("/etc/netns")
PREFIX = "aopst"  # namespaces, links, users and sudoers files of test runs start with it
# Subnets are drawn from 10.200.0.0/16-10.254.255.0/24 and checked against the addresses in use.
FIRST_SECOND_OCTET, LAST_SECOND_OCTET = 200, 254
UNREACHABLE_HOST_OCTET = 254  # never given to a host: nothing answers there
MAX_HOSTS = UNREACHABLE_HOST_OCTET - 2
SSH_READY_TIMEOUT = 10.0


class TestHostError(RuntimeError):
    """The test hosts could not be set up (not root, a missing program, a failing command)."""


@dataclass(frozen=True)
class SshHost:
    """One test host as a client sees it."""

    name: str  # its hostname inside the namespace, also its inventory name
    address: str
    namespace: str
    root: Path  # the directory that stands for this host's `/` for deployed files
    port: int = 22
    # What the host sees at its run's `SshHosts.private_dir`: a directory of this host alone.
    private: Path = Path()


@dataclass
class SshHosts:
    """A started set of test hosts and the credentials that reach them."""

    run_id: str
    base: Path
    network: ipaddress.IPv4Network
    bridge: str
    user: str
    password: str
    key_file: Path
    hosts: list[SshHost] = field(default_factory=list)
    _sshd: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)
    # What this run created so far, as written to its state file (read by `_teardown`).
    _state: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def private_dir(self) -> Path:
        """A path that is a different directory on each host (`SshHost.private` from outside):
        a file at one path, different per host, as configuration files are."""
        return Path("/etc") / f"{PREFIX}-{self.run_id}"

    @property
    def unreachable_address(self) -> str:
        """An address in the hosts' subnet that no host has: connections to it time out."""
        return str(self.network.network_address + UNREACHABLE_HOST_OCTET)

    def wrong_password(self) -> str:
        """A password that is not the test user's."""
        return self.password + "-wrong"

    def host_vars(self, host: SshHost, *, auth: str = "key", password: str | None = None) -> dict[str, Any]:
        """Ansible connection variables for a host; auth is "key" or "password"."""
        variables: dict[str, Any] = {
            "ansible_host": host.address,
            "ansible_port": host.port,
            "ansible_user": self.user,
            "ansible_python_interpreter": "/usr/bin/python3",
            "ansible_become_method": "sudo",
        }
        if auth == "key":
            variables["ansible_ssh_private_key_file"] = str(self.key_file)
        elif auth == "password":
            variables["ansible_password"] = self.password if password is None else password
        else:
            raise ValueError(f"auth must be 'key' or 'password', not {auth!r}")
        return variables

    def inventory(
        self, group: str = "test_hosts", hosts: list[SshHost] | None = None, *, auth: str = "key"
    ) -> dict[str, Any]:
        """A YAML-ready inventory putting the hosts (all by default) in one group."""
        chosen = self.hosts if hosts is None else hosts
        return {group: {"hosts": {host.name: self.host_vars(host, auth=auth) for host in chosen}}}

    def ansible_env(self) -> dict[str, str]:
        """Environment for ansible, ansible-playbook and ansible-runner against these hosts."""
        env = dict(os.environ)
        env.update(
            # ansible-runner starts `ansible-playbook` by name: find this environment's first.
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', os.defpath)}",
            ANSIBLE_HOST_KEY_CHECKING="False",
            # No ControlPersist masters: they outlive the command by 60 s and keep the namespace busy.
            ANSIBLE_SSH_ARGS="-o ControlMaster=no -o UserKnownHostsFile=/dev/null",
            ANSIBLE_LOCAL_TEMP=str(self.base / "ansible-local"),
            ANSIBLE_RETRY_FILES_ENABLED="False",
            # One SSH connection per task instead of four (mkdir, put, run, rm): under load 3x faster.
            ANSIBLE_PIPELINING="True",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_DEPRECATION_WARNINGS="False",
        )
        return env

    def ssh_command(
        self, host: SshHost | str, *, auth: str = "key", password: str | None = None
    ) -> list[str]:
        """An `ssh` argv (through sshpass for a password) logging in as the test user."""
        address = host.address if isinstance(host, SshHost) else host
        options = [
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=3",
            "-o", "LogLevel=ERROR",
        ]  # fmt: skip
        login = f"{self.user}@{address}"
        if auth == "key":
            return ["ssh", *options, "-o", "BatchMode=yes", "-i", str(self.key_file), login]
        secret = self.password if password is None else password
        return [
            "sshpass", "-p", secret, "ssh", *options,
            "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
            "-o", "NumberOfPasswordPrompts=1", login,
        ]  # fmt: skip

    def namespaces(self) -> list[str]:
        return [host.namespace for host in self.hosts]


def _run(*argv: str, stdin: str | None = None) -> str:
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise TestHostError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def _pid_alive(pid: int) -> bool:
    """True while the process runs; a zombie (dead, its parent not yet told) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextlib.contextmanager
def _state_lock() -> Iterator[None]:
    """Serialises subnet choice and stale clean-up between runs on this machine."""
    STATE_DIR.mkdir(mode=0o755, exist_ok=True)
    with (STATE_DIR / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _networks_in_use() -> list[ipaddress.IPv4Network]:
    used = []
    for line in _run("ip", "-4", "-o", "addr", "show").splitlines():
        parts = line.split()
        if "inet" in parts:
            used.append(ipaddress.IPv4Interface(parts[parts.index("inet") + 1]).network)
    for line in _run("ip", "-4", "route", "show", "table", "all").splitlines():
        destination = line.split()[0] if line.split() else ""
        with contextlib.suppress(ValueError):
            if destination not in ("default", "local", "broadcast"):
                used.append(ipaddress.IPv4Network(destination, strict=False))
    return used


def _free_network() -> ipaddress.IPv4Network:
    used = _networks_in_use()
    for _ in range(200):
        second = FIRST_SECOND_OCTET + secrets.randbelow(LAST_SECOND_OCTET - FIRST_SECOND_OCTET + 1)
        candidate = ipaddress.IPv4Network(f"10.{second}.{secrets.randbelow(256)}.0/24")
        if not any(candidate.overlaps(network) for network in used):
            return candidate
    raise TestHostError("no free /24 in 10.200.0.0-10.254.255.255")


def _pids_in_namespace(namespace: str) -> list[int]:
    result = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True, check=False)
    return [int(pid) for pid in result.stdout.split()] if result.returncode == 0 else []


def _kill_namespace_processes(namespace: str) -> None:
    """Ends sshd and everything started through it (sessions, daemons a test deployed)."""
    seen: set[int] = set()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _pids_in_namespace(namespace)
        if not pids:
            break
        seen.update(pids)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        _wait_gone(pids, 3.0)
    # A process leaves the namespace's list early in its exit, before it is gone.
    _wait_gone(seen, 3.0)


def _wait_gone(pids: Iterable[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_pid_alive(pid) for pid in pids):
        time.sleep(0.02)


def _pids_of_user(user: str) -> list[int]:
    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return []
    pids = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                pids.append(int(entry.name))
    return pids


def _teardown(state: dict[str, Any]) -> None:
    """Removes what one run created; each step tolerates a resource that is already gone."""
    for namespace in state.get("namespaces", []):
        _kill_namespace_processes(namespace)
    with network_change():
        for namespace in state.get("namespaces", []):
            # The root side of the host's veth pair, deleted here because deleting the namespace
            # removes it only later, from the kernel's cleanup work (a test saw it outlive teardown).
            index = namespace.rsplit("-", 1)[-1]
            veth = f"{PREFIX}{state['run_id']}h{index}"
            subprocess.run(["ip", "link", "del", veth], capture_output=True, check=False)
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)
            shutil.rmtree(NETNS_ETC / namespace, ignore_errors=True)
        if state.get("bridge"):
            subprocess.run(["ip", "link", "del", state["bridge"]], capture_output=True, check=False)
    user = state.get("user")
    if user and state.get("created_user"):
        # Processes of the user outside the namespaces (none expected) would make userdel refuse.
        for pid in _pids_of_user(user):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["userdel", user], capture_output=True, check=False)
        Path(f"/etc/sudoers.d/{user}").unlink(missing_ok=True)
    if state.get("base"):
        shutil.rmtree(state["base"], ignore_errors=True)
    if state.get("private_dir"):
        shutil.rmtree(state["private_dir"], ignore_errors=True)
    (STATE_DIR / f"{state['run_id']}.json").unlink(missing_ok=True)


def clean_stale_runs() -> list[str]:
    """Tears down the hosts of runs whose process is gone; returns their run ids."""
    cleaned = []
    for path in sorted(STATE_DIR.glob("*.json")):
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if not _pid_alive(int(state.get("pid", 0))):
            _teardown(state)
            cleaned.append(state["run_id"])
    return cleaned


def _write_state(state: dict[str, Any]) -> None:
    path = STATE_DIR / f"{state['run_id']}.json"
    path.write_text(json.dumps(state))


def _check_prerequisites() -> None:
    if os.geteuid() != 0:
        raise TestHostError("SSH test hosts need root (ip netns, useradd, sshd)")
    for program in (SSHD, "ip", "unshare", "sshpass", "ssh", "ssh-keygen", "sudo", "useradd"):
        if shutil.which(program) is None:
            raise TestHostError(f"{program} is missing: run scripts/install-deps.sh")


def _sshd_config(hosts: SshHosts, address: str, directory: Path) -> Path:
    config = directory / "sshd_config"
    config.write_text(
        f"""ListenAddress {address}:22
HostKey {hosts.base}/ssh_host_ed25519_key
PidFile {directory}/sshd.pid
AuthorizedKeysFile {hosts.base}/authorized_keys/%u
AllowUsers {hosts.user}
PermitRootLogin no
PasswordAuthentication yes
PubkeyAuthentication yes
KbdInteractiveAuthentication no
# Without PAM sshd checks the password against /etc/shadow itself; the test user needs no PAM session.
UsePAM no
# The base directory lives under /tmp, which StrictModes would refuse for key files.
StrictModes no
MaxStartups 200
MaxSessions 100
Subsystem sftp internal-sftp
LogLevel INFO
"""
    )
    return config


def _create_user(hosts: SshHosts) -> None:
    home = hosts.base / "home" / hosts.user
    _run(
        "useradd", "--system", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
        "--comment", f"aops SSH test host user (pid {os.getpid()})", hosts.user,
    )  # fmt: skip
    _run("chpasswd", stdin=f"{hosts.user}:{hosts.password}\n")
    sudoers = Path(f"/etc/sudoers.d/{hosts.user}")
    sudoers.write_text(f"{hosts.user} ALL=(ALL:ALL) NOPASSWD: ALL\n")
    sudoers.chmod(0o440)


def _create_network(hosts: SshHosts, count: int) -> None:
    # Whole, the namespaces' side included: the root ends of the veth pairs come up (carrier)
    # when the namespaces bring theirs up.
    with network_change():
        _create_links(hosts, count)


def _create_links(hosts: SshHosts, count: int) -> None:
    gateway = hosts.network.network_address + 1
    # addrgenmode none: no IPv6 link-local address, which the kernel would add a second or two
    # later, after network_change has let browser pages load again.
    batch = [
        f"link add {hosts.bridge} type bridge",
        f"link set {hosts.bridge} addrgenmode none",
        f"addr add {gateway}/24 dev {hosts.bridge}",
    ]
    for index in range(count):
        namespace = f"{PREFIX}-{hosts.run_id}-{index + 1}"
        veth = f"{PREFIX}{hosts.run_id}h{index + 1}"
        batch += [
            f"netns add {namespace}",
            f"link add {veth} type veth peer name eth0 netns {namespace}",
            f"link set {veth} addrgenmode none",
            f"link set {veth} master {hosts.bridge} up",
        ]
        name = f"{PREFIX}-{hosts.run_id}-{index + 1}"
        address = str(hosts.network.network_address + 2 + index)
        root = hosts.base / "hosts" / name / "root"
        root.mkdir(parents=True)
        private = NETNS_ETC / namespace / hosts.private_dir.name
        hosts.hosts.append(
            SshHost(name=name, address=address, namespace=namespace, root=root, private=private)
        )
    batch.append(f"link set {hosts.bridge} up")
    _run("ip", "-batch", "-", stdin="\n".join(batch) + "\n")
    gateway = hosts.network.network_address + 1
    for host in hosts.hosts:
        # `ip netns exec` bind-mounts /etc/netns/NS/* over /etc: each host resolves its own name
        # (sudo looks it up) and has no DNS server to wait for.
        etc = NETNS_ETC / host.namespace
        etc.mkdir(parents=True)
        (etc / "hosts").write_text(f"127.0.0.1 localhost\n{host.address} {host.name}\n")
        (etc / "resolv.conf").write_text("# no DNS on a test host\n")
        # Bind-mounted over the private directory's mount point (made in `start`).
        host.private.mkdir()
        # A default route like a real host's (Ansible's default_ipv4 fact needs one); the root
        # namespace does not forward, so nothing leaves this machine through it.
        inside = (
            f"addr add {host.address}/24 dev eth0\nlink set eth0 up\nlink set lo up\n"
            f"route add default via {gateway}\n"
        )
        _run("ip", "-n", host.namespace, "-batch", "-", stdin=inside)


def _start_sshd(hosts: SshHosts) -> None:
    for host in hosts.hosts:
        directory = host.root.parent
        config = _sshd_config(hosts, host.address, directory)
        with (directory / "sshd.log").open("wb") as log:
            # exec all the way down: the Popen pid is sshd's own, in its own UTS namespace.
            process = subprocess.Popen(
                ["ip", "netns", "exec", host.namespace, "unshare", "--uts", "sh", "-c",
                 f'hostname "$1" && exec {SSHD} -D -e -f "$2"', "sh", host.name, str(config)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        hosts._sshd.append(process)
    deadline = time.monotonic() + SSH_READY_TIMEOUT
    for host, process in zip(hosts.hosts, hosts._sshd, strict=True):
        while not _accepts(host.address, host.port):
            if process.poll() is not None or time.monotonic() > deadline:
                log_text = (host.root.parent / "sshd.log").read_text(errors="replace")
                raise TestHostError(f"sshd on {host.name} ({host.address}) did not start: {log_text[-500:]}")
            time.sleep(0.01)


def _accepts(address: str, port: int) -> bool:
    try:
        socket.create_connection((address, port), timeout=0.5).close()
    except OSError:
        return False
    return True


def start(count: int, base_root: Path = Path("/tmp")) -> SshHosts:
    """Starts `count` hosts; the caller must call `stop` (use `ssh_hosts` for a with-block)."""
    _check_prerequisites()
    if not 1 <= count <= MAX_HOSTS:
        raise ValueError(f"count must be 1..{MAX_HOSTS}, not {count}")
    run_id = secrets.token_hex(3)
    # Not under pytest's tmp_path: that is mode 0700, and the test user must reach its home and keys.
    base = base_root / f"aops-test-hosts-{run_id}"
    base.mkdir(mode=0o755)
    hosts = SshHosts(
        run_id=run_id,
        base=base,
        network=ipaddress.IPv4Network("0.0.0.0/32"),
        bridge=f"{PREFIX}{run_id}br",
        user=f"{PREFIX}{run_id}",
        password=secrets.token_urlsafe(12),
        key_file=base / "id_ed25519",
    )
    state = hosts._state
    state.update(run_id=run_id, pid=os.getpid(), base=str(base), user=hosts.user)
    try:
        with _state_lock():
            clean_stale_runs()
            hosts.network = _free_network()
            state.update(
                bridge=hosts.bridge, namespaces=[f"{PREFIX}-{run_id}-{index + 1}" for index in range(count)]
            )
            _write_state(state)
            _create_network(hosts, count)
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / "ssh_host_ed25519_key"))
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", hosts.user, "-f", str(hosts.key_file))
        (base / "authorized_keys").mkdir()
        shutil.copy(f"{hosts.key_file}.pub", base / "authorized_keys" / hosts.user)
        (base / "ansible-local").mkdir()
        state["created_user"] = True  # set first: a useradd that half-worked is still undone
        _write_state(state)
        _create_user(hosts)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        state["private_dir"] = str(hosts.private_dir)
        _write_state(state)
        hosts.private_dir.mkdir(mode=0o755)  # the mount point `ip netns exec` binds each host's on
        _start_sshd(hosts)
    except BaseException:
        stop(hosts)
        raise
    return hosts


def stop(hosts: SshHosts) -> None:
    """Kills every process in the hosts' namespaces and removes all the run created."""
    for process in hosts._sshd:
        if process.poll() is None:
            process.terminate()
    for process in hosts._sshd:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=3)
    with _state_lock():
        _teardown(hosts._state)


@contextlib.contextmanager
def ssh_hosts(count: int, base_root: Path = Path("/tmp")) -> Iterator[SshHosts]:
    """`count` running hosts for the with-block, torn down however the block ends."""
    hosts = start(count, base_root)
    try:
        yield hosts
    finally:
        stop(hosts)


def ansible_program(name: str) -> str:
    """The path of an Ansible command (ansible, ansible-playbook) of this interpreter's environment."""
    return str(Path(sys.executable).parent / name)


def write_inventory(path: Path, inventory: dict[str, Any]) -> Path:
    """Writes an inventory (as `SshHosts.inventory` builds it) as YAML, mode 0600: it may hold passwords."""
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    path.chmod(0o600)
    return path
