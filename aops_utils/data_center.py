"""The data center's typed client: one method per route the services call; paths live only here."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import Generic
from typing import NotRequired
from typing import TypedDict
from typing import TypeVar
from typing import cast
from typing import overload

from aops_utils import jsonio
from aops_utils import tls
from aops_utils.auth import DATA_CENTER
from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from aops_utils.clients import ServiceClient
from aops_utils.clients import forward
from aops_utils.codes import Code
from aops_utils.conf import SystemIni
from aops_utils.contracts import AddGroupBody
from aops_utils.contracts import GetGroupsBody
from aops_utils.contracts import GetHostsBody
from aops_utils.contracts import GroupNamesBody
from aops_utils.contracts import HostIdsBody
from aops_utils.contracts import HostInfoBody
from aops_utils.contracts.data_center import deploy
from aops_utils.contracts.data_center.checks import COVERAGE_MAX_BODY
from aops_utils.contracts.data_center.checks import RESULTS_MAX_BODY
from aops_utils.contracts.data_center.checks import CountResultsBody
from aops_utils.contracts.data_center.checks import GetResultsBody
from aops_utils.contracts.data_center.checks import GetRulesBody
from aops_utils.contracts.data_center.checks import ResultHistogramBody
from aops_utils.contracts.data_center.checks import Rule
from aops_utils.contracts.data_center.checks import RuleNamesBody
from aops_utils.contracts.data_center.diagnosis import REPORTS_MAX_BODY
from aops_utils.contracts.data_center.diagnosis import GetReportsBody
from aops_utils.contracts.data_center.diagnosis import GetTasksBody
from aops_utils.contracts.data_center.diagnosis import GetTreesBody
from aops_utils.contracts.data_center.diagnosis import ListReportsBody
from aops_utils.contracts.data_center.diagnosis import ProgressBody
from aops_utils.contracts.data_center.diagnosis import ReportIdsBody
from aops_utils.contracts.data_center.diagnosis import SaveTaskBody
from aops_utils.contracts.data_center.diagnosis import TaskIdsBody
from aops_utils.contracts.data_center.diagnosis import Tree
from aops_utils.contracts.data_center.diagnosis import TreeNamesBody
from aops_utils.contracts.data_center.diagnosis import WatchTasksBody
from aops_utils.contracts.data_center.hosts import HOST_INFO_MAX_BODY
from aops_utils.contracts.data_center.hosts import PACKED_ENCODING
from aops_utils.contracts.data_center.hosts import AddHostsBody
from aops_utils.contracts.data_center.hosts import ChangePasswordBody
from aops_utils.contracts.data_center.runs import AddRunBody
from aops_utils.contracts.data_center.runs import RunHistoryBody
from aops_utils.contracts.data_center.runs import UpdateRunBody
from aops_utils.errors import AopsError
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext
from aops_utils.restful.routes import Declaration
from aops_utils.restful.routes import RouteMaker
from aops_utils.restful.validation import Body

# A data-center answer as it came: code, msg and payload, for routes relayed unchanged.
Envelope = dict[str, Any]
# Who acts: a user's request (the service token names the user and their session), a user a
# service works for (the token names the user), or None for the calling service itself.
Acting = Principal | str | None
B = TypeVar("B", bound=Body)
RowT = TypeVar("RowT")
# time_range, check_items, host_list, who -> the stored rows.
WindowReader = Callable[[Sequence[float], Sequence[str], Sequence[str], Acting], list[RowT]]
# The request model of a relayed route (None: a route that takes no body).
RelayedT = TypeVar("RelayedT", bound=Body | None)
# Rows as services send them (check results, coverage records, retries, reports): the data
# center validates them once, on arrival, so the hot bulk paths build no model per row.
Row = dict[str, Any]


# Reply rows, typed for their readers and passed on as decoded: no per-row validation.


class HostRow(TypedDict):
    host_id: str
    host_name: str
    host_group_name: str
    public_ip: str
    ssh_port: int
    management: bool
    status: str | None


class RuleRow(TypedDict):
    check_item: str
    data_list: list[dict[str, Any]]
    condition: str
    description: str
    plugin: str


class ResultRow(TypedDict):
    host_id: str
    check_item: str
    data_list: list[dict[str, Any]]
    condition: str
    plugin: str
    description: str
    start: float
    end: float
    value: str
    series: str
    reason: str


class CoveredRule(TypedDict):
    check_item: str
    version: str
    failed: list[str]


class CoverageRow(TypedDict):
    time_range: list[int]
    host_list: list[str]
    rules: list[CoveredRule]


class RetryRow(TypedDict):
    retry_id: str
    username: str
    host_list: list[dict[str, str]]
    check_items: list[str]
    time_range: list[int]
    attempts: int


class TreeRow(TypedDict):
    tree_name: str
    tree_content: dict[str, Any]
    description: str
    tag: list[str]


class TaskRow(TypedDict):
    """A diagnosis task as the task watch claims it, to publish its missing slices."""

    task_id: str
    username: str
    host_list: list[str]
    tree_list: list[str]
    time_range: list[int]
    interval: int
    expected_report_num: int


class WatchReply(TypedDict):
    """What one task watch did: the tasks it found finished, failed (with the reason) and claimed."""

    renewed: int
    finished: list[str]
    failed: list[dict[str, str]]
    claimed: list[TaskRow]


class DataReply(TypedDict):
    """`/data/data/get`: the series found per host and item, and what was not found and why;
    `packed`: the packed form's samples (aops_utils.packed), undecoded."""

    succeed_list: list[dict[str, Any]]
    fail_list: list[dict[str, Any]]
    packed: NotRequired[dict[str, Any]]


class RetriesAdded(TypedDict):
    """Retry ids queued, made dead (past their attempts) and dropped (already dead)."""

    added: list[str]
    dead: list[str]
    dropped: list[str]


class CredentialRow(TypedDict):
    """A host with its credential set, encrypted with the user's key."""

    host_id: str
    host_name: str
    public_ip: str
    ssh_port: int
    vault: str


class LoginReply(TypedDict):
    code: int
    access_token: str


def relayed(model: type[B], body: Body) -> B:
    """A service's own request model (as strict as the data center's or stricter) as the data
    center's; the data center validates it again on arrival, so nothing is validated twice here."""
    return cast(B, model.model_construct(**body.model_dump(exclude_none=True)))


def _window(
    time_range: Sequence[float], check_items: Sequence[str], host_list: Sequence[str]
) -> dict[str, Any]:
    return {"time_range": list(time_range), "check_items": list(check_items), "host_list": list(host_list)}


# Room in a bulk body for what surrounds its rows: the key, brackets and separators.
_FRAME_BYTES = 4096


def parts(rows: Sequence[Row], max_body: int) -> Iterator[Sequence[Row]]:
    """`rows` in consecutive slices whose JSON fits a route's `max_body`: a batch too large for
    one request goes in several (a row too large on its own goes alone and is refused)."""
    budget = max_body - _FRAME_BYTES
    start, size = 0, 0
    for index, row in enumerate(rows):
        length = len(jsonio.encode(row)) + 1
        if index > start and size + length > budget:
            yield rows[start:index]
            start, size = index, 0
        size += length
    if start < len(rows):
        yield rows[start:]


def _dump(body: Body | None) -> dict[str, Any]:
    # Unset optional fields stay unsent, so the data center applies its own defaults.
    return body.model_dump(exclude_none=True) if body is not None else {}


class Relay(Generic[RelayedT]):
    """A data-center route whose answer is passed on as it came: on DataCenter,
    `get_hosts: Relay[GetHostsBody] = Relay("/data/host/get")` is the method
    `get_hosts(body, who) -> Envelope` (named so, which the manager's read cache keys on)."""

    def __init__(self, path: str, method: str = "POST") -> None:
        self.path = path
        self.method = method
        self.name = path

    def __set_name__(self, owner: type[DataCenter], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, client: None, owner: type[DataCenter]) -> Relay[RelayedT]: ...

    @overload
    def __get__(
        self, client: DataCenter, owner: type[DataCenter]
    ) -> Callable[[RelayedT, Acting], Envelope]: ...

    def __get__(
        self, client: DataCenter | None, owner: type[DataCenter]
    ) -> Relay[RelayedT] | Callable[[RelayedT, Acting], Envelope]:
        if client is None:
            return self
        return self.bind(client)

    def bind(self, client: DataCenter) -> Callable[[RelayedT, Acting], Envelope]:
        def send(body: RelayedT, who: Acting) -> Envelope:
            return client._send(self.method, self.path, _dump(body), who)

        send.__name__ = self.name
        return send


class WindowRead(Generic[RowT]):
    """A bulk read of what is stored for some rules and hosts over a time range: on DataCenter,
    `results: WindowRead[ResultRow] = WindowRead(path, key)` is the method
    `results(time_range, check_items, host_list, who) -> list[ResultRow]` (the rows under `key`)."""

    def __init__(self, path: str, key: str) -> None:
        self.path = path
        self.key = key

    @overload
    def __get__(self, client: None, owner: type[DataCenter]) -> WindowRead[RowT]: ...

    @overload
    def __get__(self, client: DataCenter, owner: type[DataCenter]) -> WindowReader[RowT]: ...

    def __get__(
        self, client: DataCenter | None, owner: type[DataCenter]
    ) -> WindowRead[RowT] | WindowReader[RowT]:
        if client is None:
            return self

        def read(
            time_range: Sequence[float], check_items: Sequence[str], host_list: Sequence[str], who: Acting
        ) -> list[RowT]:
            rows: list[RowT] = client._post(self.path, _window(time_range, check_items, host_list), who)[
                self.key
            ]
            return rows

        return read


class DataCenter(ServiceClient):
    """The data center's routes as methods; an error envelope comes back as the same AopsError."""

    audience = DATA_CENTER

    @classmethod
    def of_service(cls, system: SystemIni, service: str, timeout: float = 600) -> DataCenter:
        """The data center as `service` calls it, where system.ini says, with the suite's secret
        (and, with `[tls]` enabled, over HTTPS with the suite's CA and this host's certificate)."""
        verify: str | bool = True
        cert = None
        if system.tls.enabled:
            verify, cert = tls.client_files(system.tls)
        return cls(
            system.database_url,
            TokenCodec(load_secret(system.auth.secret_file)),
            service,
            timeout,
            token_ttl=system.auth.service_token_ttl,
            verify=verify,
            cert=cert,
        )

    def _send(self, method: str, path: str, body: Mapping[str, Any], who: Acting) -> Envelope:
        if isinstance(who, Principal):
            return self.call(method, path, dict(body), principal=who)
        return self.call(method, path, dict(body), acting_user=who)

    def _post(self, path: str, body: Mapping[str, Any], who: Acting) -> Envelope:
        return self._send("POST", path, body, who)

    def _delete(self, path: str, body: Mapping[str, Any], who: Acting) -> Envelope:
        return self._send("DELETE", path, body, who)

    def _saved(self, path: str, key: str, rows: Sequence[Row], who: Acting, max_body: int) -> int:
        """Post `rows` under `key` in as many requests as the route's body limit needs; returns
        how many were stored."""
        return sum(int(self._post(path, {key: part}, who)["saved"]) for part in parts(rows, max_body))

    # Accounts

    def login(self, username: str, password: str, address: str) -> LoginReply:
        reply = self._post(
            "/data/account/login", {"username": username, "password": password, "address": address}, None
        )
        return {"code": int(reply["code"]), "access_token": str(reply["access_token"])}

    def logout(self, who: Principal) -> None:
        self._post("/data/account/logout", {}, who)

    def change_password(self, body: ChangePasswordBody, who: Principal) -> None:
        self._post("/data/account/change", _dump(body), who)

    # Hosts and groups

    def credential_sample(self, who: Acting) -> str | None:
        """One of the user's stored credential vaults (None without hosts), to test a key on."""
        vault = self._post("/data/host/credential/sample", {}, who).get("vault")
        return str(vault) if vault else None

    add_hosts: Relay[AddHostsBody] = Relay("/data/host/add")
    delete_hosts: Relay[HostIdsBody] = Relay("/data/host/delete", "DELETE")
    get_hosts: Relay[GetHostsBody] = Relay("/data/host/get")
    count_hosts: Relay[None] = Relay("/data/host/count")
    get_host_info: Relay[HostInfoBody] = Relay("/data/host/info/get")

    def save_host_info(self, documents: Sequence[Row]) -> None:
        """Store host detail documents (`{host_id, infos, ...}`, one per host) as this service."""
        for part in parts(documents, HOST_INFO_MAX_BODY):
            self._post("/data/host/info/save", {"host_infos": list(part)}, None)

    def host_basics(self, host_ids: Sequence[str], who: Acting) -> list[HostRow]:
        """The user's hosts among `host_ids` (all of them when empty): id, name, address, port."""
        reply = self._post("/data/host/info/get", {"host_list": list(host_ids), "basic": True}, who)
        rows: list[HostRow] = reply["host_infos"]
        return rows

    def hosts_by_user(self) -> dict[str, list[HostRow]]:
        """Every user's hosts (basic info): the fleet the prober and the check schedule cover."""
        hosts: dict[str, list[HostRow]] = self._post("/data/host/info/get/user", {"username": []}, None)[
            "host_infos"
        ]
        return hosts

    def update_statuses(self, statuses: Mapping[str, str]) -> None:
        self._post("/data/host/status/update", {"statuses": dict(statuses)}, None)

    add_group: Relay[AddGroupBody] = Relay("/data/host/group/add")
    delete_groups: Relay[GroupNamesBody] = Relay("/data/host/group/delete", "DELETE")
    get_groups: Relay[GetGroupsBody] = Relay("/data/host/group/get")

    # Monitoring data

    def get_data(
        self,
        time_range: Sequence[int],
        data_infos: Sequence[Mapping[str, Any]],
        who: Acting,
        *,
        columnar: bool = False,
        packed: bool = False,
    ) -> DataReply:
        """Series of `{host_id: ip, data_list}` over the range: the bulk read of a check task;
        `columnar`: samples as `timestamps` and `values` arrays rather than pairs; `packed`
        (implies columnar): KPI samples as float64 columns in base64 (GetDataBody)."""
        body: dict[str, Any] = {"time_range": list(time_range), "data_infos": data_infos}
        if columnar or packed:
            body["columnar"] = True
        if packed:
            body["encoding"] = PACKED_ENCODING
        try:
            reply = self._post("/data/data/get", body, who)
        except AopsError as exc:
            # 1104 means nothing matched: the per-host reasons are still in the payload.
            if exc.code is Code.DATABASE_QUERY_ERROR and "fail_list" in exc.payload:
                return {"succeed_list": [], "fail_list": exc.payload["fail_list"]}
            raise
        found: DataReply = {"succeed_list": reply["succeed_list"], "fail_list": reply.get("fail_list", [])}
        if "packed" in reply:
            found["packed"] = reply["packed"]
        return found

    # Configuration tracing's drift records

    def save_drift(self, domain: str, username: str, checked_at: float, report: str) -> None:
        """Keep a domain's last check (`report`: gala-ragdoll's JSON text) as this service."""
        body = {"domain": domain, "username": username, "checked_at": checked_at, "report": report}
        self._post("/data/config/drift/save", body, None)

    def drifts(self, domains: Sequence[str], who: Acting) -> list[Row]:
        """The user's domains' last checks, of those among `domains` that were checked."""
        rows: list[Row] = self._post("/data/config/drift/get", {"domains": list(domains)}, who)["drifts"]
        return rows

    def delete_drifts(self, domains: Sequence[str], who: Acting) -> None:
        self._delete("/data/config/drift/delete", {"domains": list(domains)}, who)

    # Check rules

    def add_rules(self, rules: Sequence[Rule], who: Acting) -> Envelope:
        return self._post("/data/check/rule/add", {"check_items": [_dump(r) for r in rules]}, who)

    def rules(self, names: Sequence[str], who: Acting) -> list[RuleRow]:
        """The user's rules by name, all of them when `names` is empty."""
        rows: list[RuleRow] = self._post("/data/check/rule/get", {"check_items": list(names)}, who)[
            "check_items"
        ]
        return rows

    get_rules: Relay[GetRulesBody] = Relay("/data/check/rule/get")
    count_rules: Relay[None] = Relay("/data/check/rule/count")
    delete_rules: Relay[RuleNamesBody] = Relay("/data/check/rule/delete", "DELETE")

    # Check results and coverage

    def save_results(self, results: Sequence[Row], who: Acting) -> int:
        """Store check results as the executors build them (validated once, by the data center);
        returns how many were stored."""
        return self._saved("/data/check/result/save", "check_results", results, who, RESULTS_MAX_BODY)

    # Every stored result of these hosts and rules overlapping the range.
    results: WindowRead[ResultRow] = WindowRead("/data/check/result/get", "check_result")
    get_results: Relay[GetResultsBody] = Relay("/data/check/result/get")
    count_results: Relay[CountResultsBody] = Relay("/data/check/result/count")
    result_histogram: Relay[ResultHistogramBody] = Relay("/data/check/result/histogram")

    def delete_results(
        self, time_range: Sequence[float], check_items: Sequence[str], host_list: Sequence[str], who: Acting
    ) -> int:
        """Delete these hosts' results of these rules within the range; returns how many went."""
        body = _window(time_range, check_items, host_list)
        return int(self._delete("/data/check/result/delete", body, who)["deleted"])

    def save_coverage(self, records: Sequence[Row], who: Acting) -> int:
        """Record which hosts each rule version was evaluated for over a window."""
        return self._saved("/data/check/coverage/save", "coverage", records, who, COVERAGE_MAX_BODY)

    # The coverage records of these rules overlapping the range, cut to these hosts.
    coverage: WindowRead[CoverageRow] = WindowRead("/data/check/coverage/get", "coverage")

    # The check schedule's state and retry queue (the scheduler's own, so no user acts)

    def state(self, names: Sequence[str]) -> dict[str, int]:
        reply = self._post("/data/check/state/get", {"names": list(names)}, None)
        return {str(k): int(v) for k, v in reply["state"].items()}

    def set_state(self, state: Mapping[str, int]) -> None:
        self._post("/data/check/state/set", {"state": dict(state)}, None)

    def add_retries(self, retries: Sequence[Row], max_attempts: int) -> RetriesAdded:
        """Queue failed windows; a retry past `max_attempts` is dead, one already dead is dropped."""
        reply = self._post("/data/check/retry/add", {"retries": retries, "max_attempts": max_attempts}, None)
        return {"added": reply["added"], "dead": reply["dead"], "dropped": reply["dropped"]}

    def due_retries(self, now: int, limit: int, lease: int) -> list[RetryRow]:
        """Lease up to `limit` retries due at `now` for `lease` seconds."""
        body = {"now": now, "limit": limit, "lease": lease}
        rows: list[RetryRow] = self._post("/data/check/retry/due", body, None)["retries"]
        return rows

    def trim_retries(self, max_dead: int, discount: float) -> int:
        """Drop dead retries beyond `max_dead`; returns how many went."""
        reply = self._post("/data/check/retry/trim", {"max_dead": max_dead, "discount": discount}, None)
        return int(reply["deleted"])

    def delete_retries(self, retry_ids: Sequence[str]) -> int:
        return int(self._delete("/data/check/retry/delete", {"retry_ids": list(retry_ids)}, None)["deleted"])

    # Fault trees, diagnosis tasks and reports

    def add_trees(self, trees: Sequence[Tree], who: Acting) -> Envelope:
        return self._post("/data/diag/tree/add", {"trees": [_dump(t) for t in trees]}, who)

    def trees(self, names: Sequence[str], who: Acting) -> list[TreeRow]:
        """The user's trees by name, all of them when `names` is empty."""
        rows: list[TreeRow] = self._post("/data/diag/tree/get", {"tree_list": list(names)}, who)["trees"]
        return rows

    get_trees: Relay[GetTreesBody] = Relay("/data/diag/tree/get")
    delete_trees: Relay[TreeNamesBody] = Relay("/data/diag/tree/delete", "DELETE")

    def save_task(self, body: SaveTaskBody, who: Acting) -> None:
        self._post("/data/diag/task/save", _dump(body), who)

    get_tasks: Relay[GetTasksBody] = Relay("/data/diag/task/get")
    delete_tasks: Relay[TaskIdsBody] = Relay("/data/diag/task/delete", "DELETE")
    progress: Relay[ProgressBody] = Relay("/data/diag/process/query")

    def watch_tasks(self, body: WatchTasksBody) -> WatchReply:
        """One run of the scheduler's task watch over every user's running tasks (no user acts)."""
        reply = self._post("/data/diag/task/watch", _dump(body), None)
        return {
            "renewed": int(reply["renewed"]),
            "finished": reply["finished"],
            "failed": reply["failed"],
            "claimed": reply["claimed"],
        }

    def fail_task(self, task_id: str, reason: str, who: Acting) -> bool:
        """Mark the user's running task failed; False when it had already ended."""
        body = {"task_id": task_id, "reason": reason}
        return bool(self._post("/data/diag/task/fail", body, who)["failed"])

    def save_reports(self, reports: Sequence[Row], who: Acting) -> int:
        """Store reports as the diag executors write them (validated once, by the data center)."""
        return self._saved("/data/diag/report/save", "reports", reports, who, REPORTS_MAX_BODY)

    def neighbours(self, slices: Sequence[tuple[str, float, float]], who: Acting) -> list[Row]:
        """The neighbours section of a report for each (host id, start, end), in order: the
        user's hosts linked to the host on the topology map in the slice, with their abnormal
        check results there (aops_database/services/neighbours.py)."""
        body = {"slices": [{"host_id": h, "time_range": [start, end]} for h, start, end in slices]}
        rows: list[Row] = self._post("/data/diag/neighbours", body, who)["neighbours"]
        return rows

    get_reports: Relay[GetReportsBody] = Relay("/data/diag/report/get")
    list_reports: Relay[ListReportsBody] = Relay("/data/diag/report/get_list")
    delete_reports: Relay[ReportIdsBody] = Relay("/data/diag/report/delete", "DELETE")

    # Deployment templates and tasks

    def add_template(self, body: deploy.AddTemplateBody, who: Acting) -> Envelope:
        # By alias: a step's switch is spelled `continue` on the wire.
        return self._post("/data/manage/template/add", body.model_dump(by_alias=True), who)

    delete_templates: Relay[deploy.TemplateNamesBody] = Relay("/data/manage/template/delete", "DELETE")
    get_templates: Relay[deploy.GetTemplatesBody] = Relay("/data/manage/template/get")

    def templates(self, names: Sequence[str], who: Acting) -> list[deploy.TemplateRow]:
        """The user's templates by name (all of them when `names` is empty), every one."""
        rows: list[deploy.TemplateRow] = self._post(
            "/data/manage/template/get", {"template_list": list(names)}, who
        )["template_infos"]
        return rows

    add_deploy_task: Relay[deploy.AddDeployTaskBody] = Relay("/data/manage/task/add")
    delete_deploy_tasks: Relay[deploy.DeployTaskIdsBody] = Relay("/data/manage/task/delete", "DELETE")
    get_deploy_tasks: Relay[deploy.GetDeployTasksBody] = Relay("/data/manage/task/get")

    def resolve_task(self, task_id: str, who: Acting) -> deploy.ResolvedTask:
        """The user's task as a run needs it (docs/deployment.md); 404 when it does not exist or
        a template of it is gone."""
        task: deploy.ResolvedTask = self._post("/data/manage/task/resolve", {"task_id": task_id}, who)["task"]
        return task

    # Deployment runs

    def credentials(self, host_ids: Sequence[str], who: Acting) -> list[CredentialRow]:
        """The user's hosts among `host_ids` with their encrypted credential sets."""
        rows: list[CredentialRow] = self._post(
            "/data/host/credential/get", {"host_list": list(host_ids)}, who
        )["credentials"]
        return rows

    def add_run(self, body: AddRunBody, who: Acting) -> None:
        self._post("/data/manage/run/add", body.model_dump(by_alias=True), who)

    def update_run(self, body: UpdateRunBody, who: Acting) -> str:
        """Record what changed in a run; returns the run's status as stored afterwards."""
        return str(self._post("/data/manage/run/update", body.model_dump(exclude_none=True), who)["status"])

    def run(self, run_id: str, who: Acting) -> dict[str, Any]:
        """A run with its steps and, per step, its hosts."""
        found: dict[str, Any] = self._post("/data/manage/run/get", {"run_id": run_id}, who)["run"]
        return found

    def run_history(self, body: RunHistoryBody, who: Acting) -> Envelope:
        return self._post("/data/manage/run/history", _dump(body), who)

    def renew_runs(self, owner: str, lease: int, run_ids: Sequence[str]) -> int:
        """Extend the leases of these runs `owner` still runs; returns how many were."""
        body = {"owner": owner, "lease": lease, "run_ids": list(run_ids)}
        return int(self._post("/data/manage/run/renew", body, None)["renewed"])

    def interrupt_runs(self, run_ids: Sequence[str], reason: str) -> list[str]:
        """End as interrupted the runs named and those whose lease ran out; returns their ids."""
        body = {"run_ids": list(run_ids), "reason": reason}
        ended: list[str] = self._post("/data/manage/run/interrupt", body, None)["interrupted"]
        return ended


class Relays(RouteMaker[DataCenter]):
    """Routes of a service that the data center answers: each passes its body on to one of
    DataCenter's relayed routes (converted to that route's model with `as_model` where the
    service's own differs) and answers what the data center answers, with the same method.
    A declaration names the route and carries its summary, and nothing else:

        @relay("/diag/tree/get", TreeNamesBody, DataCenter.get_trees, dc.GetTreesBody)
        def get_trees() -> None:
            \"\"\"Trees by name.\"\"\"
    """

    def __call__(
        self,
        path: str,
        body: type[Body] | None,
        route: Relay[Any],
        as_model: type[Body] | None = None,
    ) -> Declaration:
        def handler(ctx: RequestContext[Any]) -> Reply:
            sent = relayed(as_model, ctx.body) if as_model is not None else ctx.body
            return forward(route.bind(self._source()), sent, ctx)

        return self._api.declared(path, handler, methods=(route.method,), body=body)
