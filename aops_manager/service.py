"""The manager's workflows: hosts added with their credentials grouped and encrypted, vault keys."""

from __future__ import annotations

import uuid

from aops_manager import vault
from aops_manager.app import Manager
from aops_manager.deploy import hostinfo
from aops_manager.forwarding import call
from aops_manager.forwarding import write
from aops_manager.schemas import AddHostsBody
from aops_manager.schemas import HostEntry
from aops_utils.audit import Event
from aops_utils.clients import reply_of
from aops_utils.contracts.data_center.hosts import MAX_VAULT
from aops_utils.contracts.data_center.hosts import AddHostsBody as StoreHostsBody
from aops_utils.contracts.data_center.hosts import NewHost
from aops_utils.errors import AopsError
from aops_utils.errors import ParamError
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from aops_utils.restful import auditing


def check_key(app: Manager, principal: Principal, key: str) -> None:
    """The key must open the user's stored credentials (1203 if not), since one key per user is
    kept: a different key could not open the older hosts' credentials. A user's first key must
    hold `vault_key_min_length` characters; a shorter one is taken only where it opens
    credentials stored before that minimum existed (they cannot be opened with another)."""
    sample = call(principal, lambda: app.data_center.credential_sample(principal))
    least = app.settings.manager.vault_key_min_length
    try:
        if sample is not None:
            vault.decrypt(key, sample)
        elif len(key) < least:
            raise ParamError(
                f"the vault key must hold at least {least} characters "
                "(manager.ini [manager] vault_key_min_length)",
                field="key",
            )
    except AopsError as exc:
        auditing.record(Event.KEY_REFUSED, user=principal.username, code=int(exc.code), reason=exc.detail)
        raise


def add_hosts(app: Manager, principal: Principal, body: AddHostsBody) -> Reply:
    """Add hosts; each distinct credential set is encrypted once with the user's key, and the
    new hosts are probed at once so that their status is known within seconds."""
    check_key(app, principal, body.key)
    refs: dict[tuple[str, str | None, str | None, str | None], int] = {}
    vaults: list[str] = []
    hosts: list[NewHost] = []
    for index, entry in enumerate(body.host_list):
        cred = entry.credential_key()
        if cred not in refs:
            refs[cred] = len(vaults)
            vaults.append(_sealed(body.key, entry, index))
        hosts.append(
            NewHost(
                host_id=uuid.uuid4().hex,
                host_name=entry.host_name,
                host_group_name=entry.host_group_name,
                public_ip=entry.public_ip,
                ssh_port=entry.ssh_port,
                management=entry.management,
                credential=refs[cred],
            )
        )
    stored = StoreHostsBody(host_list=hosts, credentials=vaults)
    reply = write(principal, lambda: app.data_center.add_hosts(stored, principal))
    remember_key(app, principal, body.key)
    answer = reply_of(reply)
    answer.payload["host_list"] = [h["host_id"] for h in reply["succeed_list"]]
    app.prober.probe_soon(reply["succeed_list"])
    if app.settings.deploy.collect_facts:
        app.facts.collect_soon(hostinfo.added_targets(body.host_list, reply["succeed_list"]))
    return answer


def _sealed(key: str, entry: HostEntry, index: int) -> str:
    """The entry's credential set encrypted, refused (400) when it is too long to be stored: the
    vault is about 4 times the plain text, more where YAML writes a character as a six-character
    \\u escape."""
    sealed = vault.encrypt(key, vault.credential_vars(*entry.credential_key()))
    if len(sealed) > MAX_VAULT:
        field = f"host_list.{index}." + ("private_key" if entry.private_key else "password")
        raise ParamError(
            f"{field}: the host's credentials are {len(sealed)} characters encrypted; "
            f"at most {MAX_VAULT} can be stored",
            field=field,
        )
    return sealed


def certify(app: Manager, principal: Principal, key: str) -> None:
    """Check the vault key against the user's stored credentials and keep it in memory."""
    check_key(app, principal, key)
    remember_key(app, principal, key)


def remember_key(app: Manager, principal: Principal, key: str) -> None:
    app.keyring.remember(principal.username, key)
    auditing.record(Event.KEY_ACCEPTED, user=principal.username, seconds=app.settings.manager.vault_key_ttl)


def drop_key(app: Manager, username: str, reason: str) -> None:
    """The user's key leaves memory (logout, password change)."""
    if app.keyring.forget(username):
        auditing.record(Event.KEY_DROPPED, user=username, reason=reason)
