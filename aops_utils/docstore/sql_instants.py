"""`TimeRange` in SQL: a JSON field's instant as `instant` reads it, on SQLite and MySQL/MariaDB."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from aops_utils.docstore.protocol import TimeRange

_UNIX_EPOCH_JULIAN_DAY = 2440587.5
# A trailing UTC offset; `Z` and no offset both mean UTC.
_OFFSET = "[+-][0-9]{2}:?[0-9]{2}$"


def json_path(field: str) -> str:
    return '$."' + field.replace('"', '\\"') + '"'


def _sqlite_seconds(text: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # julianday reads `Z`, `±HH:MM` and any number of fraction digits; `±HHMM` gets its colon.
    bare_offset = text.op("GLOB")("*[+-][0-9][0-9][0-9][0-9]")
    length = sa.func.length(text)
    colon = sa.func.substr(text, 1, length - 2).concat(":").concat(sa.func.substr(text, length - 1))
    spelled = sa.case((bare_offset, colon), else_=text)
    # SQLite keeps times in whole milliseconds; rounding to them undoes the float error of the
    # Julian day (10 microseconds), which would put an exact bound's document outside it.
    milliseconds = sa.func.round((sa.func.julianday(spelled) - _UNIX_EPOCH_JULIAN_DAY) * 86_400_000.0)
    return milliseconds / 1000.0


def _mysql_seconds(text: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # The wall-clock part as UTC, plus the fraction, minus the offset. TIMESTAMPDIFF between two
    # DATETIMEs ignores the session time zone.
    wall = sa.func.str_to_date(sa.func.substring(text, 1, 19), "%Y-%m-%dT%H:%i:%s")
    whole = sa.func.timestampdiff(sa.text("SECOND"), sa.literal("1970-01-01 00:00:00"), wall)
    digits = sa.func.regexp_substr(sa.func.substring(text, 20), "^[.][0-9]+")
    fraction = sa.cast(sa.func.concat("0", sa.func.coalesce(digits, "")), sa.Numeric(20, 9))
    # MariaDB answers '' where MySQL answers NULL when nothing matches.
    offset = sa.func.coalesce(sa.func.regexp_substr(text, _OFFSET), "")
    sign = sa.case((sa.func.left(offset, 1) == "-", -1), else_=1)
    hours = sa.cast(sa.func.substring(offset, 2, 2), sa.Integer)
    minutes = sa.cast(sa.func.right(offset, 2), sa.Integer)
    shift = sa.case((offset == "", 0), else_=sign * (hours * 3600 + minutes * 60))
    return whole + fraction - shift


def _kind(body: sa.ColumnElement[Any], field: str, dialect: str) -> sa.ColumnElement[Any]:
    """The JSON type of `field`, NULL when it is missing; names are upper case on MySQL."""
    if dialect == "sqlite":
        return sa.func.json_type(body, json_path(field))
    return sa.func.json_type(sa.func.json_extract(body, json_path(field)))


def instant_of(body: sa.ColumnElement[Any], field: str, dialect: str) -> sa.ColumnElement[Any]:
    """Seconds of `field` in the JSON `body`: a number as it is, a string parsed, else NULL."""
    element = sa.type_coerce(body, sa.JSON)[field]
    kind = sa.func.lower(_kind(body, field, dialect))
    seconds = _sqlite_seconds if dialect == "sqlite" else _mysql_seconds
    return sa.case(
        (kind.in_(("integer", "real", "double", "decimal", "unsigned integer")), element.as_float()),
        (kind.in_(("text", "string")), seconds(element.as_string())),
    )


def time_range(body: sa.ColumnElement[Any], flt: TimeRange, dialect: str) -> sa.ColumnElement[bool]:
    if not flt.fields:
        return sa.false()
    # The first field the document has decides; a JSON null counts as missing.
    moment = sa.case(
        *[
            (sa.func.lower(_kind(body, f, dialect)) != "null", instant_of(body, f, dialect))
            for f in flt.fields
        ]
    )
    bounds: list[sa.ColumnElement[bool]] = [moment.is_not(None)]
    if flt.gte is not None:
        bounds.append(moment >= flt.gte)
    if flt.lte is not None:
        bounds.append(moment <= flt.lte)
    return sa.and_(*bounds)
