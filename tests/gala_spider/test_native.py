"""The ingest path runs compiled (scripts/build_native.py, which install-deps runs), from a build
of the current sources: a stale build would test, and serve, code that is no longer there."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _build_native() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_native", ROOT / "scripts" / "build_native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_ingest_modules_load_from_a_build_of_their_sources() -> None:
    native = _build_native()
    assert not native.stale(), "a module changed since its build: run scripts/build_native.py"
    for source in native.MODULES:
        loaded = importlib.import_module(source.removesuffix(".py").replace("/", "."))
        # By name: mypyc gives a module that another of its group imported first a wrong folder.
        assert loaded.__spec__ is not None and loaded.__spec__.origin is not None
        assert Path(loaded.__spec__.origin).name == native.built(source).name


def test_the_compiled_join_reads_the_probes_records_from_their_bytes() -> None:
    from gala_spider import records

    # Run as Python, wire.read would cost more than decoding, so it is used only compiled.
    assert records._READ_BYTES
