"""Request bodies of the manager's deployment routes (21.09 fields where 21.09 had the route)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic import StringConstraints

from aops_utils.contracts import HostId
from aops_utils.contracts.data_center.runs import RunId
from aops_utils.contracts.data_center.runs import TaskId
from aops_utils.restful.paging import PagedBody
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Direction
from aops_utils.restful.validation import either


class ExecuteBody(Body):
    # 21.09 ran the first task only; each task here gets a run of its own.
    task_list: list[TaskId] = Field(min_length=1, max_length=100)
    check: bool = Field(False, description="Ansible's check mode: report what would change, change nothing")


class StatusBody(PagedBody):
    """One run in full (`run_id`), or a task's runs newest first with its newest in full (`task_id`)."""

    run_id: RunId | None = None
    task_id: TaskId | None = None
    direction: Direction = "desc"

    _one_of = either("run_id", "task_id")


class CancelBody(Body):
    run_id: RunId


# An absolute path on the host, as ragdoll names a configuration file.
ConfigPath = Annotated[str, StringConstraints(min_length=2, max_length=4096, pattern=r"^/[^\x00-\x1f]*$")]


class CollectItem(Body):
    host_id: HostId
    config_list: list[ConfigPath] = Field(min_length=1, max_length=256)


class CollectBody(Body):
    infos: list[CollectItem] = Field(min_length=1, max_length=1000)


# A login or group name on the host (what `useradd` takes).
AccountName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$")
]


class SyncFile(Body):
    """A file to write: its whole content; mode/owner/group to set (absent: the host's file keeps
    its own, a new file gets root's umask and owner)."""

    path: ConfigPath
    content: Annotated[str, StringConstraints(max_length=1024 * 1024)]
    mode: Annotated[str, StringConstraints(pattern=r"^0?[0-7]{3,4}$")] | None = None
    owner: AccountName | None = None
    group: AccountName | None = None


# 60 files of the largest size: the files of a domain, the same for each of its hosts.
SYNC_MAX_BODY = 64 * 1024 * 1024


class SyncBody(Body):
    """The same files written to every host of `host_list` (a domain's expected files)."""

    host_list: list[HostId] = Field(min_length=1, max_length=1000)
    files: list[SyncFile] = Field(min_length=1, max_length=256)


class HostFactsBody(Body):
    host_list: list[HostId] = Field(min_length=1, max_length=1000)
