"""`check_scheduler.ini`: where the scheduler listens, its Kafka settings, schedule and plugins."""

from __future__ import annotations

from pydantic import Field

from aops_utils import conf
from aops_utils.bus.settings import ConsumerIni
from aops_utils.bus.settings import ProducerIni
from aops_utils.conf import Port
from aops_utils.conf import ServerSection
from aops_utils.conf import WebServiceIni
from aops_utils.rules.settings import PluginSettings


class SchedulerSection(ServerSection):
    port: Port = 11112
    max_retry_num: int = Field(3, ge=0)
    cool_down_time: int = Field(120, ge=0)
    max_dead_retry_task: int = Field(10000, ge=0)
    dead_retry_task_discount: float = Field(0.5, gt=0, le=1)
    backward_task_step: int = Field(60, gt=0)
    backward_task_interval: int = Field(60, gt=0)
    # 2021-09-01 01:01:01 +08:00, the 21.09 default: history is not checked before it.
    backward_min_timestamp: int = Field(1630429261, ge=0)
    forward_task_interval: int = Field(60, gt=0)
    forward_max_task_step: int = Field(86400, gt=0)
    forward_lag: int = Field(15, ge=0, description="seconds the forward window stays behind now")
    retry_batch: int = Field(100, gt=0, le=1000, description="retries published per backward tick")
    run_jobs: bool = True


class CheckSchedulerIni(ProducerIni, ConsumerIni, WebServiceIni):
    check_scheduler: SchedulerSection = SchedulerSection()
    # Beyond 21.09: rules are compiled at import and dry-run with the executors' plugins, so this
    # file reads the same `[executor] plugin_path` / `plugin_registry` as check_executor.ini.
    executor: PluginSettings = PluginSettings()


load = conf.ServiceLoader(CheckSchedulerIni, "check_scheduler.ini", lambda ini: ini.check_scheduler.endpoint)
