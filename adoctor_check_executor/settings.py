"""`check_executor.ini`: Kafka settings, the plugin registry and the sample period."""

from __future__ import annotations

from pydantic import Field

from aops_utils import conf
from aops_utils.bus.settings import ConsumerIni
from aops_utils.bus.settings import ProducerIni
from aops_utils.rules.evaluation import DEFAULT_SAMPLE_PERIOD
from aops_utils.rules.settings import PluginSettings


class ExecutorSection(PluginSettings):
    do_check_consumer_num: int = Field(2, gt=0, le=64)
    sample_period: int = Field(DEFAULT_SAMPLE_PERIOD, gt=0)
    rule_cache_seconds: int = Field(60, ge=0)
    data_center_timeout: float = Field(120.0, gt=0)


class CheckExecutorIni(ProducerIni, ConsumerIni):
    executor: ExecutorSection = ExecutorSection()


load = conf.ServiceLoader(CheckExecutorIni, "check_executor.ini")
