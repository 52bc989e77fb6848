"""A columnar `/data/data/get` reply as the packed form carries it (the data center's own packer)."""

from __future__ import annotations

import math
from collections.abc import Collection
from collections.abc import Mapping
from typing import Any

import numpy as np

from aops_utils.packed import PackedSamples

_SPECIAL = {"+Inf": math.inf, "-Inf": -math.inf}


def wire_number(value: Any) -> float | None:
    """A columnar KPI value as the float the packed form holds; None when it is not one."""
    if value is None:
        return math.nan
    if isinstance(value, str):
        return _SPECIAL.get(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def packed_reply(reply: Mapping[str, Any], log_names: Collection[str] = ()) -> dict[str, Any] | None:
    """The packed form of a columnar reply: KPI series (not named in `log_names`) as parts of the
    reply's float64 columns, log series unchanged; None when a KPI value is not a number."""
    samples = PackedSamples()
    entries = []
    for entry in reply["succeed_list"]:
        if entry["name"] in log_names:
            entries.append(entry)
            continue
        numbers = [wire_number(v) for v in entry["values"]]
        if any(n is None for n in numbers):
            return None
        stamps = np.array(entry["timestamps"], dtype=np.float64)
        offset = samples.add(stamps, np.array(numbers, dtype=np.float64))
        part = {k: v for k, v in entry.items() if k not in ("timestamps", "values")}
        entries.append({**part, "offset": offset, "length": len(stamps)})
    return {**reply, "succeed_list": entries, "packed": samples.payload()}
