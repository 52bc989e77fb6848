"""The 21.09 numeric response codes, their exact labels and the HTTP status each one means."""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any


# Only these codes go out: 21.09 clients know no other. An answer 21.09 had no code for (not
# found, too many logins) carries the nearest 21.09 code and a truthful HTTP status (404, 429).
class Code(IntEnum):
    SUCCEED = 200
    PARTIAL_SUCCEED = 206
    SERVER_ERROR = 500
    PARAM_ERROR = 1000
    HTTP_CONNECT_ERROR = 1001
    UNKNOWN_ERROR = 1002
    DATABASE_CONNECT_ERROR = 1101
    DATABASE_INSERT_ERROR = 1102
    DATABASE_DELETE_ERROR = 1103
    DATABASE_QUERY_ERROR = 1104
    DATA_EXIST = 1105
    DATA_DEPENDENCY_ERROR = 1106
    DATABASE_UPDATE_ERROR = 1107
    LOGIN_ERROR = 1200
    TOKEN_ERROR = 1201
    REPEAT_LOGIN = 1202
    KEY_ERROR = 1203
    CHANGE_PASSWORD = 1204
    REPEAT_PASSWORD = 1205
    CHANGE_PASSWORD_FAIL = 1206
    TASK_EXECUTION_FAIL = 1301

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self]


LABELS: dict[Code, str] = {
    Code.SUCCEED: "operation succeed",
    Code.PARTIAL_SUCCEED: "partial succeed",
    Code.SERVER_ERROR: "internal server error",
    Code.PARAM_ERROR: "request parameter error",
    Code.HTTP_CONNECT_ERROR: "restful connection error",
    Code.UNKNOWN_ERROR: "unknown error",
    Code.DATABASE_CONNECT_ERROR: "connect to database error",
    Code.DATABASE_INSERT_ERROR: "insert data into database fail",
    Code.DATABASE_DELETE_ERROR: "delete data from database fail",
    Code.DATABASE_QUERY_ERROR: "query data from database fail",
    Code.DATA_EXIST: "data has existed",
    Code.DATA_DEPENDENCY_ERROR: "delete fail for it has dependency",
    Code.DATABASE_UPDATE_ERROR: "update data in database fail",
    Code.LOGIN_ERROR: "incorrect username or password",
    Code.TOKEN_ERROR: "the session is invalid",
    Code.REPEAT_LOGIN: "user has logined, repeat login",
    Code.KEY_ERROR: "missing or invalid vault password, please certificate the vault password",
    Code.CHANGE_PASSWORD: "please change the default password or you can not use",
    Code.REPEAT_PASSWORD: "the new password is same as old password, change fail",
    Code.CHANGE_PASSWORD_FAIL: "change password fail",
    Code.TASK_EXECUTION_FAIL: "Task execution failed.",
}

# 21.09 answered HTTP 200 for everything; the status now tells the truth. A partial success
# is a multi-status answer (207): each item says how it went.
HTTP_STATUS: dict[Code, int] = {
    Code.SUCCEED: 200,
    Code.PARTIAL_SUCCEED: 207,
    Code.SERVER_ERROR: 500,
    Code.PARAM_ERROR: 400,
    Code.HTTP_CONNECT_ERROR: 503,
    Code.UNKNOWN_ERROR: 500,
    Code.DATABASE_CONNECT_ERROR: 503,
    Code.DATABASE_INSERT_ERROR: 500,
    Code.DATABASE_DELETE_ERROR: 500,
    Code.DATABASE_QUERY_ERROR: 500,
    Code.DATA_EXIST: 409,
    Code.DATA_DEPENDENCY_ERROR: 409,
    Code.DATABASE_UPDATE_ERROR: 500,
    Code.LOGIN_ERROR: 401,
    Code.TOKEN_ERROR: 401,
    Code.REPEAT_LOGIN: 409,
    Code.KEY_ERROR: 403,
    Code.CHANGE_PASSWORD: 200,
    Code.REPEAT_PASSWORD: 400,
    Code.CHANGE_PASSWORD_FAIL: 500,
    Code.TASK_EXECUTION_FAIL: 500,
}


def label_of(code: int) -> str:
    """The label of a code; unknown codes get the label of 1002, as in 21.09."""
    try:
        return Code(code).label
    except ValueError:
        return LABELS[Code.UNKNOWN_ERROR]


# Answers a caller takes as success; 1204 is a login that still hands out a token (the caller
# warns about the default password).
OK_CODES = frozenset({Code.SUCCEED, Code.PARTIAL_SUCCEED, Code.CHANGE_PASSWORD})


def is_success(code: int, reply: Mapping[str, Any]) -> bool:
    """Whether an envelope reports success: 1204 does only with a token (a login with the default
    password); without one it is the refusal of a request made in such a session."""
    if code == Code.CHANGE_PASSWORD:
        return "access_token" in reply
    return code in OK_CODES


def judge_batch(succeeded: int, failed: int, failure: Code) -> Code:
    """21.09 batch rule: all good 200, mixed 206, nothing good the operation's error code."""
    if succeeded:
        return Code.PARTIAL_SUCCEED if failed else Code.SUCCEED
    return failure if failed else Code.SUCCEED
