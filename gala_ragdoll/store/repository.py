"""The expected configurations of every domain: one commit per change, authored by the user
who asked for it; each user sees and changes only the domains they own."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gala_ragdoll.store import layout
from gala_ragdoll.store.errors import DomainExists
from gala_ragdoll.store.errors import DomainNotFound
from gala_ragdoll.store.errors import ForeignDomain
from gala_ragdoll.store.git import GitStore
from gala_ragdoll.store.git import Snapshot
from gala_ragdoll.store.git import Writer
from gala_ragdoll.store.history import change_log
from gala_ragdoll.store.legacy import adopt
from gala_ragdoll.store.models import Change
from gala_ragdoll.store.models import Domain
from gala_ragdoll.store.models import ExpectedFile
from gala_ragdoll.store.models import FileAttributes
from gala_ragdoll.store.models import HostRecord
from gala_ragdoll.store.models import Outcome


def _domain(snapshot: Snapshot, name: str, user: str) -> Domain:
    layout.check_domain_name(name)
    text = snapshot.read(f"{name}/{layout.DOMAIN_FILE}")
    if text is None:
        raise DomainNotFound(f"domain {name!r} does not exist", field="domainName")
    domain = layout.read_domain(name, text)
    if domain.owner != user:
        raise ForeignDomain(f"domain {name!r} belongs to another user", field="domainName")
    return domain


def _hosts(snapshot: Snapshot, name: str) -> list[HostRecord]:
    return layout.read_hosts(name, snapshot.read(f"{name}/{layout.HOSTS_FILE}") or "")


def _attributes(snapshot: Snapshot, name: str) -> dict[str, FileAttributes]:
    text = snapshot.read(f"{name}/{layout.ATTRIBUTES_FILE}")
    return layout.read_attributes(name, text) if text is not None else {}


def _joined(items: Sequence[str]) -> str:
    return ", ".join(items)


class ConfigRepository:
    def __init__(self, root: Path, committer: str, email: str) -> None:
        self.store = GitStore(root, committer, email)

    def open(self, legacy_owner: str) -> Outcome:
        """Make the repository if needed and adopt 21.09's domains in it (given to `legacy_owner`)."""
        self.store.init()
        with self.store.write() as writer:
            return adopt(writer, legacy_owner, self.store.committer)

    # Reads: from the HEAD commit of the moment, so a concurrent write is seen whole or not at all.

    def domains(self, user: str) -> list[Domain]:
        with self.store.read() as snapshot:
            found = []
            for name in snapshot.directories():
                text = snapshot.read(f"{name}/{layout.DOMAIN_FILE}")
                if text is not None:
                    domain = layout.read_domain(name, text)
                    if domain.owner == user:
                        found.append(domain)
            return found

    def domain(self, name: str, user: str) -> Domain:
        with self.store.read() as snapshot:
            return _domain(snapshot, name, user)

    def hosts(self, name: str, user: str) -> list[HostRecord]:
        with self.store.read() as snapshot:
            _domain(snapshot, name, user)
            return _hosts(snapshot, name)

    def files(self, name: str, user: str) -> list[ExpectedFile]:
        with self.store.read() as snapshot:
            _domain(snapshot, name, user)
            attributes = _attributes(snapshot, name)
            base = f"{name}/{layout.FILES_DIR}"
            found = []
            for relative in snapshot.files_under(base):
                path = "/" + relative
                content = snapshot.read(f"{base}/{relative}") or ""
                found.append(ExpectedFile(path, content, attributes.get(path, FileAttributes())))
            return found

    def change_log(self, name: str, user: str, path: str) -> list[Change]:
        layout.check_path(path)
        with self.store.read() as snapshot:
            _domain(snapshot, name, user)
            return change_log(snapshot.repo, name, path)

    # Writes: one at a time, each one commit (or none when nothing changed).

    @staticmethod
    def _editing(writer: Writer, name: str, user: str) -> Snapshot:
        """The domain checked for its owner and its work tree as HEAD has it; HEAD's snapshot."""
        snapshot = Snapshot(writer.repo)
        _domain(snapshot, name, user)
        writer.restore(name)
        return snapshot

    def create_domain(self, name: str, user: str, priority: int = 0) -> Outcome:
        layout.check_domain_name(name)
        with self.store.write() as writer:
            writer.restore(name)
            if Snapshot(writer.repo).has(f"{name}/{layout.DOMAIN_FILE}"):
                raise DomainExists(f"domain {name!r} exists", field="domainName")
            writer.write(f"{name}/{layout.DOMAIN_FILE}", layout.domain_json(Domain(name, user, priority)))
            commit = writer.commit([name], f"Create domain {name}", user)
        return Outcome((name,), commit=commit)

    def delete_domain(self, name: str, user: str) -> Outcome:
        with self.store.write() as writer:
            self._editing(writer, name, user)
            writer.remove(name)
            commit = writer.commit([name], f"Delete domain {name}", user)
        return Outcome((name,), commit=commit)

    def add_hosts(self, name: str, user: str, hosts: Sequence[HostRecord]) -> Outcome:
        with self.store.write() as writer:
            snapshot = self._editing(writer, name, user)
            current = _hosts(snapshot, name)
            known = {host.host_id for host in current}
            added: list[HostRecord] = []
            skipped: dict[str, str] = {}
            for host in hosts:
                if host.host_id in known:
                    skipped[host.host_id] = "already in the domain"
                else:
                    known.add(host.host_id)
                    added.append(host)
            commit = None
            if added:
                writer.write(f"{name}/{layout.HOSTS_FILE}", "".join(map(layout.host_line, current + added)))
                ids = [host.host_id for host in added]
                commit = writer.commit([name], f"Add hosts {_joined(ids)} to domain {name}", user)
        return Outcome(tuple(h.host_id for h in added), skipped, commit)

    def remove_hosts(self, name: str, user: str, host_ids: Sequence[str]) -> Outcome:
        with self.store.write() as writer:
            snapshot = self._editing(writer, name, user)
            current = _hosts(snapshot, name)
            wanted = set(host_ids)
            removed = [host.host_id for host in current if host.host_id in wanted]
            skipped = {h: "not in the domain" for h in dict.fromkeys(host_ids) if h not in removed}
            commit = None
            if removed:
                kept = [host for host in current if host.host_id not in wanted]
                writer.write(f"{name}/{layout.HOSTS_FILE}", "".join(map(layout.host_line, kept)))
                commit = writer.commit([name], f"Remove hosts {_joined(removed)} from domain {name}", user)
        return Outcome(tuple(removed), skipped, commit)

    def put_files(self, name: str, user: str, files: Sequence[ExpectedFile], reason: str = "") -> Outcome:
        """Set the expected content (and attributes) of files, managed from now on if they were not."""
        for file in files:
            layout.check_path(file.path)
        with self.store.write() as writer:
            snapshot = self._editing(writer, name, user)
            attributes = _attributes(snapshot, name)
            added: list[str] = []
            changed: list[str] = []
            skipped: dict[str, str] = {}
            for file in files:
                where = layout.file_path(name, file.path)
                old = snapshot.read(where)
                if old == file.content and attributes.get(file.path, FileAttributes()) == file.attributes:
                    skipped[file.path] = "unchanged"
                    continue
                (added if old is None else changed).append(file.path)
                writer.write(where, file.content)
                attributes[file.path] = file.attributes
            commit = None
            if added or changed:
                writer.write(f"{name}/{layout.ATTRIBUTES_FILE}", layout.attributes_json(attributes))
                commit = writer.commit([name], _files_message(name, added, changed, reason), user)
        return Outcome(tuple(added + changed), skipped, commit)

    def remove_files(self, name: str, user: str, paths: Sequence[str], reason: str = "") -> Outcome:
        for path in paths:
            layout.check_path(path)
        with self.store.write() as writer:
            snapshot = self._editing(writer, name, user)
            attributes = _attributes(snapshot, name)
            removed: list[str] = []
            skipped: dict[str, str] = {}
            for path in dict.fromkeys(paths):
                if not snapshot.has(layout.file_path(name, path)):
                    skipped[path] = "not managed in the domain"
                    continue
                writer.remove(layout.file_path(name, path))
                attributes.pop(path, None)
                removed.append(path)
            commit = None
            if removed:
                writer.write(f"{name}/{layout.ATTRIBUTES_FILE}", layout.attributes_json(attributes))
                message = f"Stop managing {_joined(removed)} in domain {name}"
                commit = writer.commit([name], f"{message}\n\n{reason}" if reason else message, user)
        return Outcome(tuple(removed), skipped, commit)


def _files_message(name: str, added: list[str], changed: list[str], reason: str) -> str:
    parts = []
    if added:
        parts.append(f"Manage {_joined(added)}")
    if changed:
        parts.append(f"{'change' if added else 'Change'} {_joined(changed)}")
    message = f"{' and '.join(parts)} in domain {name}"
    return f"{message}\n\n{reason}" if reason else message
