"""The kernel cache runs only code it wrote: content-addressed sources, no bytecode, private folder."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import sys

import pytest

from gutsleep.solve import cache


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GUTSLEEP_CACHE_DIR", str(tmp_path / "home"))
    return tmp_path / "home" / "kernels"


SOURCE = "VALUE = 41 + 1\n"


def test_a_planted_pyc_beside_the_cached_source_never_runs(cache_home, tmp_path):
    module = cache.import_source("gutsleep_test", SOURCE)
    assert module.VALUE == 42
    path = cache.source_path("gutsleep_test", SOURCE)
    assert path.read_text() == SOURCE
    # an attacker compiles their own code into the exact .pyc Python's import system would pick for this file
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({str(marker)!r}, 'w').write('x')\nVALUE = -1\n")
    pyc = importlib.util.cache_from_source(str(path))
    os.makedirs(os.path.dirname(pyc), exist_ok=True)
    unchecked = py_compile.PycInvalidationMode.UNCHECKED_HASH
    py_compile.compile(str(evil), cfile=pyc, dfile=str(path), invalidation_mode=unchecked)
    sys.modules.pop(module.__name__, None)
    again = cache.import_source("gutsleep_test", SOURCE)
    assert again.VALUE == 42
    assert not marker.exists()


def test_a_tampered_source_is_replaced_not_run(cache_home, tmp_path):
    cache.import_source("gutsleep_test", SOURCE)
    path = cache.source_path("gutsleep_test", SOURCE)
    marker = tmp_path / "pwned"
    path.write_text(f"open({str(marker)!r}, 'w').write('x')\nVALUE = -1\n")
    module = cache.import_source("gutsleep_test", SOURCE)
    assert module.VALUE == 42 and not marker.exists()
    assert path.read_text() == SOURCE


def test_the_cache_name_is_the_hash_of_the_text(cache_home):
    a = cache.source_path("gutsleep_test", SOURCE)
    b = cache.source_path("gutsleep_test", SOURCE + "# changed\n")
    assert a != b and cache.source_digest(SOURCE) in a.name


def test_a_folder_others_can_write_is_refused(cache_home):
    cache_home.mkdir(parents=True)
    cache_home.chmod(0o777)
    with pytest.raises(cache.KernelCacheError, match="writable by other users"):
        cache.import_source("gutsleep_test", SOURCE)


def test_a_new_cache_folder_is_private(cache_home):
    cache.import_source("gutsleep_test", SOURCE)
    assert cache_home.stat().st_mode & 0o077 == 0


def test_kernel_cached_reports_a_loaded_kernel():
    """The CLI's first-run notice: after a load the kernel is cached, and the compile callback is not called."""
    from gutsleep.model import build_model
    from gutsleep.solve.batched import kernel_cached, load_batched

    model = build_model()
    load_batched(model)
    assert kernel_cached(model) is True
    notices: list[str] = []
    load_batched(model, on_compile=notices.append)
    assert notices == []
