"""Compile gala_spider's ingest path (records into the map) with mypyc, in place.

The consumer joins every gala_gopher record in Python; the same typed modules compiled to C run
the join in about four fifths of the time (bench/bench_topology.py, bench/README.md). Each module
is built next to its source (`gala_spider/records.cpython-311-<arch>.so`, with the group's
runtime in `gala_spider/_native__mypyc...so`), and Python imports a built module before its
`.py`; without a build the `.py` files run as they are. scripts/install-deps.sh runs this with
--if-stale, so `make run` and `make test` always load a build of the current sources.

    .venv/bin/python scripts/build_native.py [--if-stale]
"""

from __future__ import annotations

import argparse
import os
import sysconfig
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Compiled together, their calls to one another and their objects' attributes are C calls and
# struct fields: records joins, graph keeps, model and presence are what it keeps.
MODULES = (
    "gala_spider/records.py",
    "gala_spider/graph.py",
    "gala_spider/model.py",
    "gala_spider/presence.py",
    "gala_spider/wire.py",
)
GROUP = "gala_spider._native"


def built(module: str) -> Path:
    """Where the build of `module` (a path under ROOT) is."""
    return ROOT / (module.removesuffix(".py") + sysconfig.get_config_var("EXT_SUFFIX"))


def stale() -> bool:
    """A module without a build, or newer than it (an edit since the build)."""
    runtime = built(GROUP.replace(".", "/") + "__mypyc.py")
    if not runtime.exists():
        return True
    newest = max((ROOT / m).stat().st_mtime for m in MODULES)
    return any(not built(m).exists() or built(m).stat().st_mtime < newest for m in MODULES)


def build() -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    # setuptools reads pyproject.toml's [tool.setuptools] and warns that it is beta: not ours.
    warnings.filterwarnings("ignore", message=r".*\[tool\.setuptools\]")
    os.chdir(ROOT)  # --inplace: next to the sources
    with tempfile.TemporaryDirectory(prefix="aops-native-") as tmp:
        setup(
            name="aops-native",
            ext_modules=mypycify(list(MODULES), group_name=GROUP, target_dir=tmp),
            script_args=["-q", "build_ext", "--inplace", "--build-temp", tmp, "--build-lib", tmp],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--if-stale", action="store_true", help="build only when a source changed")
    args = parser.parse_args()
    if args.if_stale and not stale():
        print("build_native: up to date")
        return
    build()
    print(f"build_native: built {', '.join(MODULES)}")


if __name__ == "__main__":
    main()
