"""Request bodies of gala-ragdoll with 21.09's camelCase keys (reference 1.6), real limits."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic import RootModel
from pydantic import StringConstraints

from aops_utils.contracts import HostId
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import IPAddress
from aops_utils.restful.validation import Text1024
from aops_utils.restful.validation import either

# What the store checks (layout.check_domain_name / check_path) is the rule; these only bound size.
DomainName = Annotated[str, StringConstraints(min_length=1, max_length=255)]
FilePath = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
Mode = Annotated[str, StringConstraints(pattern=r"^0?[0-7]{3,4}$")]
UserName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$")
]
# The manager reads at most collect_max_bytes (1 MiB) of a host's file: an expected one alike.
MAX_CONTENT = 1024 * 1024
Contents = Annotated[str, StringConstraints(max_length=MAX_CONTENT)]
MAX_FILES = 256
MAX_HOSTS = 1000
# Twenty files of the largest size, in JSON: addManagementConf's body limit.
CONFS_MAX_BODY = 24 * MAX_CONTENT


class Domain(Body):
    domainName: DomainName
    # 21.09 took and dropped it; it is kept now.
    priority: int = Field(0, ge=-(2**31), le=2**31 - 1)


class Domains(RootModel[list[Domain]]):
    """createDomain's body: a bare array, as 21.09 took it."""

    root: list[Domain] = Field(min_length=1, max_length=100)


class DomainNames(Body):
    """deleteDomain: 21.09 took `?domainName=a&domainName=b`; the same names may come in a body."""

    domainName: list[DomainName] = Field(default_factory=list, max_length=100)


class DomainNameBody(Body):
    domainName: DomainName


class Host(Body):
    hostId: HostId
    ip: IPAddress | None = None
    ipv6: IPAddress | None = None


class HostInfos(Body):
    domainName: DomainName
    hostInfos: list[Host] = Field(min_length=1, max_length=MAX_HOSTS)


class Conf(Body):
    """A managed file: its expected `contents`, or the file as `hostId` holds it now. `mode`,
    `owner` and `group` (new) are what sync sets; from a host, the host's are kept unless given."""

    filePath: FilePath
    contents: Contents | None = None
    hostId: HostId | None = None
    mode: Mode | None = None
    owner: UserName | None = None
    group: UserName | None = None

    _one_source = either("contents", "hostId")


class Confs(Body):
    domainName: DomainName
    confFiles: list[Conf] = Field(min_length=1, max_length=MAX_FILES)
    # New: the why of the change, kept as the commit message's body (the change log's reason).
    changeReason: Text1024 = ""


class ManageConf(Body):
    filePath: FilePath


class ManageConfs(Body):
    """Managed files of a domain named by path: the changes of (queryManageConfChange) or those
    to stop managing (deleteManagementConf)."""

    domainName: DomainName
    # Empty: every managed file (queryManageConfChange); deleteManagementConf needs one.
    confFiles: list[ManageConf] = Field(default_factory=list, max_length=MAX_FILES)
    changeReason: Text1024 = ""


class HostIdItem(Body):
    hostId: HostId


class ConfHost(Body):
    """Hosts of a domain by id: whose real files to read (queryRealConfs)."""

    domainName: DomainName
    # Empty: every host of the domain (21.09 answered 400 to that in queryRealConfs).
    hostIds: list[HostIdItem] = Field(default_factory=list, max_length=MAX_HOSTS)


class SyncBody(ConfHost):
    """syncConf: new `filePaths` (default every managed file) and `dryRun` (nothing written: the
    unified diff each host's file would take, and the attributes it would change)."""

    filePaths: list[FilePath] = Field(default_factory=list, max_length=MAX_FILES)
    dryRun: bool = False
