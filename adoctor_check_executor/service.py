"""The executor process: task consumers and rule-change listeners on the bus."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

from pydantic import ValidationError

from adoctor_check_executor.settings import CheckExecutorIni
from adoctor_check_executor.worker import CheckWorker
from aops_utils.bus import Message
from aops_utils.bus import MessageBus
from aops_utils.bus.loop import Consumers
from aops_utils.conf import SystemIni
from aops_utils.contracts.checks import CheckTask
from aops_utils.contracts.checks import RuleChange
from aops_utils.contracts.topics import Group
from aops_utils.contracts.topics import Topic
from aops_utils.data_center import DataCenter
from aops_utils.rules.rulebook import RuleBook

LOG = logging.getLogger(__name__)


@dataclass
class Executor(Consumers):
    worker: CheckWorker
    rules: RuleBook
    consumers: int
    handled: int = 0  # tasks handled by this process, for logs and tests

    def on_task(self, message: Message) -> None:
        try:
            task = CheckTask.model_validate(message.value)
        except ValidationError as exc:
            LOG.warning("dropped a malformed check task: %s", exc.errors()[0]["msg"])
            return
        results = self.worker.handle(task)
        self.handled += 1
        LOG.info("task %s of %s: %d results", task.task_id, task.user, len(results))

    def on_rule_change(self, message: Message) -> None:
        try:
            self.rules.forget(RuleChange.model_validate(message.value).username)
        except ValidationError:
            LOG.warning("dropped a malformed rule change message")

    def start(self) -> None:
        # Every executor must hear every rule change, so each listens in a group of its own.
        own_group = f"{Group.IMPORT_CHECK_RULE}.{socket.gethostname()}.{os.getpid()}"
        loops = [
            (
                "rule-changes",
                [Topic.IMPORT_CHECK_RULE, Topic.DELETE_CHECK_RULE],
                own_group,
                self.on_rule_change,
            ),
            *[
                (f"check-tasks-{i}", [Topic.DO_CHECK], Group.DO_CHECK, self.on_task)
                for i in range(self.consumers)
            ],
        ]
        for name, topics, group, handler in loops:
            self.consume(name, [str(t) for t in topics], str(group), handler)


def build(system: SystemIni, ini: CheckExecutorIni, bus: MessageBus) -> Executor:
    dc = DataCenter.of_service(system, "adoctor-check-executor", ini.executor.data_center_timeout)
    rules = RuleBook(dc, ini.executor.registry(), ini.executor.rule_cache_seconds)
    worker = CheckWorker(dc, rules, bus.producer(), ini.executor.sample_period)
    return Executor(worker, rules, ini.executor.do_check_consumer_num, bus=bus, consumer=ini.consumer)
