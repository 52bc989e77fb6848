"""Adopting a 21.09 repository: its domains (directories without domain.json) get an owner,
their hostRecord.txt our JSON lines, and the two files 21.09 could manage their real content."""

from __future__ import annotations

from gala_ragdoll.store import layout
from gala_ragdoll.store.errors import CorruptRepository
from gala_ragdoll.store.errors import InvalidName
from gala_ragdoll.store.git import Writer
from gala_ragdoll.store.models import Domain
from gala_ragdoll.store.models import Outcome


def adopt(writer: Writer, owner: str, committer: str) -> Outcome:
    """21.09 kept its state in the work tree (domains were created and deleted without a commit),
    so the work tree is read here, and the commit takes all of it."""
    root = writer.root
    adopted: list[str] = []
    skipped: dict[str, str] = {}
    for directory in sorted(p for p in root.iterdir() if p.is_dir() and p.name != ".git"):
        if (directory / layout.DOMAIN_FILE).exists():
            continue
        name = directory.name
        try:
            layout.check_domain_name(name)
            hosts_file = directory / layout.HOSTS_FILE
            hosts = layout.read_hosts(name, hosts_file.read_text()) if hosts_file.exists() else []
        except (InvalidName, CorruptRepository) as exc:
            skipped[name] = f"not adopted: {exc.detail}"
            continue
        writer.write(f"{name}/{layout.DOMAIN_FILE}", layout.domain_json(Domain(name, owner)))
        if hosts_file.exists():
            writer.write(f"{name}/{layout.HOSTS_FILE}", "".join(map(layout.host_line, hosts)))
        skipped.update(_adopt_files(writer, name))
        adopted.append(name)
    commit = None
    if adopted:
        message = f"Adopt the 21.09 domains {', '.join(adopted)} (owner {owner})"
        commit = writer.commit(["."], message, committer)
    return Outcome(tuple(adopted), skipped, commit)


def _adopt_files(writer: Writer, name: str) -> dict[str, str]:
    skipped: dict[str, str] = {}
    directory = writer.root / name
    for feature, real in layout.LEGACY_FEATURES.items():
        legacy = directory / feature
        if not legacy.is_file():
            continue
        try:
            content = layout.legacy_to_ini(legacy.read_text(encoding="utf-8"))
        except (ValueError, AttributeError) as exc:
            skipped[f"{name}/{feature}"] = f"left as it was: not 21.09's JSON ({exc})"
            continue
        writer.write(layout.file_path(name, real), content)
        legacy.unlink()
    known = {layout.FILES_DIR, *(f.split("/")[0] for f in layout.LEGACY_FEATURES)}
    for other in sorted(directory.iterdir()):
        if other.is_dir() and other.name not in known:
            skipped[f"{name}/{other.name}"] = "left as it was: a YANG module this version does not know"
    return skipped
