"""The 21.09 topic and consumer-group names."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    IMPORT_CHECK_RULE = "IMPORT_CHECK_RULE_TOPIC"
    DELETE_CHECK_RULE = "DELETE_CHECK_RULE_TOPIC"
    DO_CHECK = "DO_CHECK_TOPIC"
    RETRY_CHECK = "RETRY_CHECK_TOPIC"
    DIAGNOSE_EXECUTE_REQ = "DIAGNOSE_EXECUTE_REQ"


class Group(StrEnum):
    IMPORT_CHECK_RULE = "IMPORT_CHECK_RULE_GROUP_ID"
    DELETE_CHECK_RULE = "DELETE_CHECK_RULE_GROUP_ID"
    DO_CHECK = "DO_CHECK_GROUP_ID"
    RETRY_CHECK = "RETRY_CHECK_GROUP_ID"
    DIAG = "DiagGroup"


# Task ids of DO_CHECK_TOPIC messages: 21.09 used -1 forward, -2 backward, else a retry id.
FORWARD_TASK_ID = -1
BACKWARD_TASK_ID = -2
