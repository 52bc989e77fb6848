"""The data center's app built in this process on a temporary configuration directory."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.suite import write_conf


@contextlib.contextmanager
def data_center_app(**conf: Any) -> Iterator[tuple[Any, Any]]:
    """(app, its data center) on the stores `conf` names (tests.suite.write_conf's keywords),
    initialised as `aops-database init` does; the stores are closed, the directory removed and
    AOPS_CONF_DIR put back afterwards."""
    top = Path(tempfile.mkdtemp(prefix="aops-bench-cprofile-"))
    conf_dir = top / "aops_bench_cprofile"
    write_conf(conf_dir, log_level="WARNING", **conf)
    saved = os.environ.get("AOPS_CONF_DIR")
    os.environ["AOPS_CONF_DIR"] = str(conf_dir)
    try:
        from aops_database import settings
        from aops_database.__main__ import initialise
        from aops_database.app import create_app

        initialise()
        app = create_app(*settings.load())
        center = app.extensions["aops_database"]
        try:
            yield app, center
        finally:
            center.docs.close()
            center.store.dispose()
    finally:
        shutil.rmtree(top, ignore_errors=True)
        if saved is None:
            os.environ.pop("AOPS_CONF_DIR", None)
        else:
            os.environ["AOPS_CONF_DIR"] = saved
