"""Solvers: kernels generated from the declarative model, the batched engine and the kernel cache.

On CPUs with AVX-512, numba is asked (before it compiles anything in this process) to use 512-bit vectors:
LLVM's default for these CPUs prefers 256-bit vectors, and the batched kernel runs ~1.6-1.9x faster with the
wider ones (``benchmarks/README.md``). Set ``GUTSLEEP_WIDE_VECTORS=0`` (or ``NUMBA_CPU_FEATURES``) to keep
numba's default.
"""

from __future__ import annotations

import os


def _prefer_wide_vectors() -> None:
    if os.environ.get("GUTSLEEP_WIDE_VECTORS", "1") == "0" or os.environ.get("NUMBA_CPU_FEATURES"):
        return
    try:
        import llvmlite.binding as llvm
        from numba.core import config
    except ImportError:  # pragma: no cover - numba is a dependency
        return
    if config.CPU_FEATURES:
        return
    features = llvm.get_host_cpu_features()
    if features.get("avx512f") and features.get("avx512dq"):
        config.CPU_FEATURES = features.flatten() + ",-prefer-256-bit"


_prefer_wide_vectors()
