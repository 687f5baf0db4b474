"""A fused Lion step on CPU: one pass over the parameters, for claim C2.6b (kexue.fm/archives/9473).

Per element, the step of `kexue.lion.optimizer.Lion` in the reference order, in registers:

    p ← p·(1 − lr·λ)
    c ← β1·m + (1−β1)·g
    p ← p − lr·sign(c)
    m ← β2·m + (1−β2)·g

so it reads p, g, m and writes p, m: 5 passes over the parameters' bytes, against 7 for a fused AdamW (reads
p, g, m, v; writes p, m, v). The loop and foreach paths of `Lion` make more passes (a temporary c, one
pass per elementwise op); this kernel is what torch's fused AdamW is for AdamW.

The kernel is a few lines of C++ without torch's headers, compiled with the system's C++ compiler (g++,
or $CXX) once per machine into a cache folder under the system's temporary directory (well under a second),
loaded with ctypes, and run on torch's OpenMP threads: the library links libgomp.so.1, the one torch
has already loaded. `build_library` reports the compile time, the one-time cost of the fused step.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import torch
from torch import Tensor

SOURCE = r"""
#include <cstdint>

// One Lion step over n tensors; each thread takes a static share of every tensor (nowait: tensors are
// independent). The sign is (c > 0) − (c < 0): 0 at 0, and 0 for NaN, as torch.sign on CPU.
template <typename T>
static void lion_step(int64_t n, T* const* ps, const T* const* gs, T* const* ms, const int64_t* sizes,
                      double lr, double beta1, double beta2, double weight_decay, int threads) {
    // the scalars rounded to T once, as torch does for a Python scalar in p.mul_(s) or m.add_(g, alpha=s)
    const T decay = T(1.0 - lr * weight_decay), b1 = T(beta1), a1 = T(1.0 - beta1);
    const T b2 = T(beta2), a2 = T(1.0 - beta2), step = T(lr);
#pragma omp parallel num_threads(threads)
    for (int64_t t = 0; t < n; ++t) {
        T* __restrict p = ps[t];
        const T* __restrict g = gs[t];
        T* __restrict m = ms[t];
        const int64_t size = sizes[t];
#pragma omp for simd schedule(static) nowait
        for (int64_t i = 0; i < size; ++i) {
            const T theta = p[i] * decay, grad = g[i], mom = m[i];
            const T c = b1 * mom + a1 * grad;
            const T sign = T(c > T(0)) - T(c < T(0));
            p[i] = theta - step * sign;
            m[i] = b2 * mom + a2 * grad;
        }
    }
}

extern "C" {
void lion_step_f32(int64_t n, float* const* ps, const float* const* gs, float* const* ms, const int64_t* sizes,
                   double lr, double beta1, double beta2, double weight_decay, int threads) {
    lion_step<float>(n, ps, gs, ms, sizes, lr, beta1, beta2, weight_decay, threads);
}
void lion_step_f64(int64_t n, double* const* ps, const double* const* gs, double* const* ms, const int64_t* sizes,
                   double lr, double beta1, double beta2, double weight_decay, int threads) {
    lion_step<double>(n, ps, gs, ms, sizes, lr, beta1, beta2, weight_decay, threads);
}
}
"""
# -ffp-contract=off: each product rounded as written (no fused multiply-add), the rounding of the
# reference's separate elementwise ops; -march=native: the machine that runs it builds it.
FLAGS = ["-O3", "-march=native", "-ffp-contract=off", "-fopenmp", "-shared", "-fPIC", "-x", "c++"]
FUNCTIONS = {torch.float32: "lion_step_f32", torch.float64: "lion_step_f64"}

_library: ctypes.CDLL | None = None


def compiler() -> str:
    """The C++ compiler: $CXX, else g++; a clear message when there is none."""
    name = os.environ.get("CXX", "g++")
    if shutil.which(name) is None:
        raise RuntimeError(f"the fused Lion step needs a C++ compiler; {name!r} was not found (install g++ or set CXX)")
    return name


def build_library(folder: str | Path | None = None) -> tuple[Path, float]:
    """Compile the kernel into `folder` (default: a per-user cache under the temporary directory, named
    by a digest of the source, flags and compiler, reused when present). Returns (path, compile seconds;
    0 when the cached library was reused)."""
    cxx = compiler()
    version = subprocess.run([cxx, "--version"], capture_output=True, text=True, check=True).stdout
    digest = hashlib.sha256("\n".join([SOURCE, *FLAGS, version]).encode()).hexdigest()[:16]
    if folder is None:
        folder = Path(tempfile.gettempdir()) / f"kexue-fused-lion-{os.getuid()}"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    library = folder / f"lion_{digest}.so"
    if library.exists():
        return library, 0.0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        source, built = Path(tmp) / "lion.cpp", Path(tmp) / "lion.so"
        source.write_text(SOURCE)
        done = subprocess.run([cxx, *FLAGS, str(source), "-o", str(built)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"compiling the fused Lion step failed:\n{done.stderr}")
        os.replace(built, library)  # atomic: a concurrent process sees the whole library or none
    return library, time.perf_counter() - start


def load_library(path: str | Path | None = None) -> ctypes.CDLL:
    """The kernel library the fused step uses from now on: the one at `path`, else the one loaded
    before, else the cached build (compiled on first use)."""
    global _library
    if path is None and _library is not None:
        return _library
    lib = ctypes.CDLL(str(path or build_library()[0]))
    for name in FUNCTIONS.values():
        fn = getattr(lib, name)
        fn.restype = None
        fn.argtypes = [ctypes.c_int64, *[ctypes.c_void_p] * 4, *[ctypes.c_double] * 4, ctypes.c_int]
    _library = lib
    return lib


def _pointers(tensors: list[Tensor]):
    return (ctypes.c_void_p * len(tensors))(*(t.data_ptr() for t in tensors))


def check_fusable(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor]) -> None:
    """One clear message for what the kernel does not take: it reads raw memory, so every tensor must be a
    dense, contiguous CPU tensor of one floating dtype it was built for."""
    dtype = params[0].dtype
    if dtype not in FUNCTIONS:
        raise ValueError(f"the fused Lion step takes float32 or float64 parameters, got {dtype}")
    for group in (params, grads, exp_avgs):
        for t in group:
            if t.device.type != "cpu" or t.is_sparse or not t.is_contiguous() or t.dtype != dtype:
                raise ValueError(
                    "the fused Lion step takes dense contiguous CPU tensors of one dtype "
                    f"(got {t.dtype}, {t.device}, contiguous={t.is_contiguous()}); use foreach or the loop instead"
                )


def lion_fused(params, grads, exp_avgs, lr, beta1, beta2, weight_decay):
    """Lion's step for every (p, g, m) in one call of the compiled kernel, on torch's thread count."""
    check_fusable(params, grads, exp_avgs)
    lib = load_library()
    sizes = (ctypes.c_int64 * len(params))(*(p.numel() for p in params))
    getattr(lib, FUNCTIONS[params[0].dtype])(
        len(params),
        _pointers(params),
        _pointers(grads),
        _pointers(exp_avgs),
        sizes,
        lr,
        beta1,
        beta2,
        weight_decay,
        torch.get_num_threads(),
    )
