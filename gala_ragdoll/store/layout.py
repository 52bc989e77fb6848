"""Where things are in the repository, in this layout and in 21.09's (which is still read).

<git_dir>/<domain>/domain.json        owner and priority; a directory without it is no domain
<git_dir>/<domain>/hostRecord.txt     one host per line: {"hostId", "ip", "ipv6"} as JSON
<git_dir>/<domain>/attributes.json    {path: {"mode", "owner", "group"}} for files that set them
<git_dir>/<domain>/files/<path>       the expected file, byte for byte
<git_dir>/<domain>/<feature>/<file>   21.09's expected file: JSON {section: {option: value}}
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
from typing import Any

from gala_ragdoll.store.errors import CorruptRepository
from gala_ragdoll.store.errors import InvalidName
from gala_ragdoll.store.models import Domain
from gala_ragdoll.store.models import FileAttributes
from gala_ragdoll.store.models import HostRecord

DOMAIN_FILE = "domain.json"
HOSTS_FILE = "hostRecord.txt"
ATTRIBUTES_FILE = "attributes.json"
FILES_DIR = "files"

# 21.09's rule, less names starting with "." (".git" passed it).
_DOMAIN_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}")
_MAX_PATH = 4096

# The two YANG modules 21.09 shipped: where their expected files lived and the real path.
LEGACY_FEATURES: dict[str, str] = {
    "yum/openEuler.repo": "/etc/yum.repos.d/openEuler.repo",
    "coremail/coremail.conf": "/etc/coremail/coremail.conf",
}


def check_domain_name(name: str, field: str = "domainName") -> str:
    if not _DOMAIN_NAME.fullmatch(name):
        raise InvalidName(f"{name!r}: 1 to 255 of A-Z a-z 0-9 _ . - and not starting with '.'", field=field)
    return name


def check_path(path: str, field: str = "filePath") -> str:
    """An absolute, normalised path of a file on the hosts."""
    if (
        not path.startswith("/")
        or path.endswith("/")
        or posixpath.normpath(path) != path
        or path.startswith("//")
        or len(path) > _MAX_PATH
        or any(ch in path for ch in "\0\n\r")
    ):
        raise InvalidName(f"{path!r}: an absolute, normalised path of a file is needed", field=field)
    # Git will not keep a file under a ".git" directory (any case: it refuses ".GIT" on
    # case-insensitive checkouts), so one there could be managed but never committed.
    if any(part.casefold() == ".git" for part in path.split("/")):
        raise InvalidName(f"{path!r}: a file under a .git directory cannot be kept in git", field=field)
    return path


def file_path(domain: str, path: str) -> str:
    """The repository path of a managed file's expected content."""
    return f"{domain}/{FILES_DIR}{path}"


def legacy_path(domain: str, path: str) -> str | None:
    """Where 21.09 kept a managed file, for the two paths it knew."""
    for feature, real in LEGACY_FEATURES.items():
        if real == path:
            return f"{domain}/{feature}"
    return None


def domain_json(domain: Domain) -> str:
    return json.dumps({"owner": domain.owner, "priority": domain.priority}, indent=2) + "\n"


def read_domain(name: str, text: str) -> Domain:
    try:
        data = json.loads(text)
        return Domain(name, str(data["owner"]), int(data.get("priority", 0)))
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptRepository(f"{name}/{DOMAIN_FILE}: {exc}") from None


def host_line(host: HostRecord) -> str:
    return json.dumps({"hostId": host.host_id, "ip": host.ip, "ipv6": host.ipv6}, ensure_ascii=False) + "\n"


def read_hosts(domain: str, text: str) -> list[HostRecord]:
    """Our JSON lines, or 21.09's: a JSON string holding the pprint of {'host_id', 'ip', 'ipv6'}."""
    hosts: list[HostRecord] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data: Any = json.loads(line)
            if isinstance(data, str):
                legacy = ast.literal_eval(data)
                data = {"hostId": legacy["host_id"], "ip": legacy.get("ip"), "ipv6": legacy.get("ipv6")}
            hosts.append(HostRecord(str(data["hostId"]), data.get("ip"), data.get("ipv6")))
        except (ValueError, SyntaxError, KeyError, TypeError) as exc:
            raise CorruptRepository(f"{domain}/{HOSTS_FILE} line {number}: {exc}") from None
    return hosts


def attributes_json(attributes: dict[str, FileAttributes]) -> str:
    data = {path: a.given() for path, a in sorted(attributes.items()) if not a.is_empty()}
    return json.dumps(data, indent=2) + "\n"


def read_attributes(domain: str, text: str) -> dict[str, FileAttributes]:
    try:
        data = json.loads(text)
        return {path: FileAttributes(**values) for path, values in data.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise CorruptRepository(f"{domain}/{ATTRIBUTES_FILE}: {exc}") from None


def legacy_to_ini(text: str) -> str:
    """21.09's expected JSON as the ini file its sync would have written."""
    data = json.loads(text)
    lines: list[str] = []
    for section, options in data.items():
        lines.append(f"[{section}]\n")
        lines += [
            f"{option} = {str(value).replace(chr(10), chr(10) + chr(9))}\n"
            for option, value in options.items()
        ]
        lines.append("\n")
    return "".join(lines)
