"""Speed of the Python bindings beside numpy, in the same process (a table, not a test).

    python python/bench.py
    RAYON_NUM_THREADS=1 python python/bench.py   # lso on one core, as numpy runs
"""
import os
import time

import numpy as np

import lso


def best_of(f, repeats=5):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def numpy_energy(s):
    # The best vectorised numpy expression found: int8 products of np.roll neighbours, summed in
    # int64 (casting to a wider dtype first is slower).
    return -(s * np.roll(s, 1, axis=1)).sum(axis=(1, 2), dtype=np.int64) - (s * np.roll(s, 1, axis=2)).sum(
        axis=(1, 2), dtype=np.int64
    )


s = np.random.default_rng(0).choice(np.array([-1, 1], dtype=np.int8), size=(100_000, 20, 20))
assert np.array_equal(lso.ising_energy(s), numpy_energy(s))
t_lso = best_of(lambda: lso.ising_energy(s))
t_np = best_of(lambda: numpy_energy(s))
one = s[0]
n = 20_000
t_call = best_of(lambda: [lso.ising_energy(one) for _ in range(n)], 3) / n
t_call_np = best_of(lambda: [numpy_energy(one[None]) for _ in range(n)], 3) / n
threads = os.environ.get("RAYON_NUM_THREADS") or f"all {os.cpu_count()} cores"
print(f"lso threads: {threads}; numpy: one\n")
print("| 100,000 × 20×20 Ising energies | seconds | vs numpy |")
print("|---|---|---|")
print(f"| numpy (np.roll, int8) | {t_np:.4f} | 1.0× |")
print(f"| lso.ising_energy | {t_lso:.4f} | {t_np / t_lso:.1f}× |")
print(f"\none 20×20 configuration: lso.ising_energy {t_call * 1e6:.2f} µs per call, numpy {t_call_np * 1e6:.2f} µs")
