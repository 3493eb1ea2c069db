"""The Python package against exact results, the Rust command line, and bad input."""

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import lso

ROOT = Path(__file__).resolve().parents[2]


def lso_bin():
    """The lso binary the Rust tests built (or LSO_BIN)."""
    path = Path(os.environ.get("LSO_BIN", ROOT / "target" / "release" / "lso"))
    if not path.exists():
        pytest.fail(f"{path}: no lso binary; build it with cargo build --release or set LSO_BIN")
    return path


def spins(m, ly, lx, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(m, ly, lx))


# --- Ising -----------------------------------------------------------------------------------


def test_ising_energy_matches_numpy_and_closed_forms():
    s = spins(64, 6, 5)
    e = lso.ising_energy(s)
    assert e.dtype == np.float64 and e.shape == (64,)
    want = -(s * np.roll(s, 1, axis=1)).sum(axis=(1, 2)) - (s * np.roll(s, 1, axis=2)).sum(axis=(1, 2))
    assert np.array_equal(e, want)
    up = np.ones((10, 10), dtype=np.int8)
    assert lso.ising_energy(up)[0] == -200.0
    assert lso.ising_energy(up, boundary="open")[0] == -180.0
    assert lso.ising_energy(up, j=0.5, h=0.25)[0] == -0.5 * 200 - 0.25 * 100
    # Every dtype reads the same values.
    for dt in (np.float64, np.float32, np.int64, np.int32):
        assert np.array_equal(lso.ising_energy(s.astype(dt)), e)
    # A non-contiguous view is read correctly too.
    assert np.array_equal(lso.ising_energy(s[::2]), e[::2])
    assert np.array_equal(lso.ising_magnetisation(s), s.mean(axis=(1, 2)))


def test_uniform_fast_path_equals_the_bond_path():
    s = spins(50, 7, 9, seed=1)
    for boundary in ("periodic", "open"):
        for j, h in ((1.0, 0.0), (0.7, 0.3), (-1.2, -0.5)):
            fast = lso.ising_energy(s, j=j, h=h, boundary=boundary)
            slow = lso.ising_energy(s, h=h, boundary=boundary, couplings=np.full((7, 9, 2), j))
            assert np.allclose(fast, slow, rtol=0, atol=1e-9), (boundary, j, h)


def test_glass_ground_state_is_exact_by_enumeration():
    rng = np.random.default_rng(5)
    bonds = rng.choice([-1.0, 1.0], size=(3, 4, 2))
    energy, gs, exact = lso.ground_state(bonds, boundary="open")
    assert exact and gs.shape == (3, 4) and gs.dtype == np.int8
    assert lso.ising_energy(gs, boundary="open", couplings=bonds)[0] == energy
    codes = np.arange(2**12)
    every = (((codes[:, None] >> np.arange(12)) & 1) * 2 - 1).astype(np.int8).reshape(-1, 3, 4)
    assert energy == lso.ising_energy(every, boundary="open", couplings=bonds).min()
    best, found = lso.search_spins(bonds, [10, 100], method="anneal", seed=2)
    assert best.shape == (2,) and best[1] <= best[0] and best[1] >= energy
    assert lso.ising_energy(found, boundary="open", couplings=bonds)[0] == best[1]


def test_generation_matches_the_command_line_for_the_same_seed(tmp_path):
    kw = dict(lx=8, ly=6, source="mc", samples=12, temperatures=[2.5], burn_in=30, thin=2, chains=2)
    d = lso.generate_ising(seed=4, **kw)
    assert d["spins"].shape == (12, 6, 8) and d["spins"].dtype == np.int8
    assert np.array_equal(lso.ising_energy(d["spins"]), d["energy"])
    again = lso.generate_ising(seed=4, **kw)
    assert np.array_equal(again["spins"], d["spins"])
    out = tmp_path / "data"
    args = ["generate", "ising", "--lx", "8", "--ly", "6", "--source", "mc", "--samples", "12",
            "--temperature", "2.5", "--burn-in", "30", "--thin", "2", "--chains", "2",
            "--seed", "4", "--out", str(out)]
    r = subprocess.run([str(lso_bin()), *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(out / "spins.npy"), d["spins"])


def test_inverse_fit_recovers_the_sign_and_shapes():
    d = lso.generate_ising(seed=1, lx=8, ly=8, source="mc", samples=400, temperatures=[3.0], burn_in=200,
                           thin=5, chains=4)
    fit = lso.inverse_fit(d["spins"], method="pseudolikelihood")
    # Sampled at T = 3 with J = 1: the learnt coupling is about 1/3.
    assert abs(fit["J"] - 1 / 3) < 0.06 and abs(fit["h"]) < 0.05
    bonds = lso.inverse_fit(d["spins"], parametrisation="bonds")
    assert bonds["J"].shape == (8, 8, 2) and bonds["h"].shape == (8, 8)
    assert abs(bonds["J"].mean() - 1 / 3) < 0.06


# --- chiral magnets and shapes ----------------------------------------------------------------


def test_heisenberg_observables_on_known_states():
    up = np.zeros((2, 6, 6, 3))
    up[..., 2] = 1.0
    o = lso.heisenberg_observables(up, j=1.0, d=0.3)
    # A uniform state: exchange −J per bond (2N bonds), DMI zero, W = 0, M_z = 1, C = 1.
    assert np.allclose(o["energy"], -72.0) and np.allclose(o["w"], 0.0)
    assert np.allclose(o["mz"], 1.0) and np.allclose(o["correlation"], 1.0)
    # No modulation has no stripe order; a spiral along x with 2 periods on 8 sites is all one ±q
    # pair, and three equal S_z waves (a triple-q texture) share it in thirds.
    assert np.allclose(o["stripe_order"], 0.0)
    x = np.arange(8)
    phase = np.broadcast_to(2 * np.pi * 2 * x / 8, (8, 8))
    spiral = np.stack([np.sin(phase), np.zeros_like(phase), np.cos(phase)], axis=-1)
    assert np.isclose(lso.heisenberg_observables(spiral)["stripe_order"][0], 1.0)
    yy, xx = np.meshgrid(np.arange(12), np.arange(12), indexing="ij")
    sz = sum(np.cos(2 * np.pi * (a * xx + b * yy) / 12) for a, b in [(2, 0), (0, 2), (2, 2)])
    sz = 0.3 * sz / np.abs(sz).max()
    triple = np.stack([np.sqrt(1 - sz**2), np.zeros_like(sz), sz], axis=-1)
    assert np.isclose(lso.heisenberg_observables(triple)["stripe_order"][0], 1 / 3)
    dens = lso.energy_density(up, j=1.0, d=0.3)
    assert dens.shape == (2, 6, 6) and np.allclose(dens.sum(axis=(1, 2)), o["energy"])
    c = lso.generate_chiral(seed=2, lx=8, ly=8, samples=3, steps=10, sweeps_per_step=2)
    assert c["spins"].shape == (3, 8, 8, 3)
    again = lso.heisenberg_observables(c["spins"])
    assert np.allclose(again["energy"], c["energy"]) and np.allclose(again["w"], c["w"])
    r = lso.relax(c["spins"])
    assert np.all(r["energy_after"] <= r["energy_before"] + 1e-9)
    assert np.allclose(lso.heisenberg_observables(r["spins"])["energy"], r["energy_after"])
    vp = lso.relax(c["spins"], method="vp")
    assert np.all(vp["energy_after"] <= vp["energy_before"] + 1e-9)
    with pytest.raises(ValueError, match="lbfgs or vp"):
        lso.relax(c["spins"], method="newton")


def test_spiral_is_the_closed_form_ground_state():
    # 64², D = 0.3: the lowest commensurate spiral is the diagonal q = 2π(2, 2)/64 at ε = −2.0443;
    # along an axis the best is q = 2π(3, 0)/64 at −2.0440 (README, "Seed 001 at 64²").
    g = lso.spiral(64, 64, j=1.0, d=0.3)
    assert g["spins"].shape == (1, 64, 64, 3) and g["wavevector"] == (2, 2)
    q = 2 * np.pi * 2 / 64
    closed = -(2 * np.cos(q)) - 0.3 * np.hypot(np.sin(q), np.sin(q))
    assert np.isclose(g["energy_per_spin"], closed) and round(g["energy_per_spin"], 4) == -2.0443
    o = lso.heisenberg_observables(g["spins"], j=1.0, d=0.3)
    assert np.isclose(o["energy_per_spin"][0], g["energy_per_spin"])
    assert np.isclose(o["stripe_order"][0], 1.0)
    assert np.allclose(np.linalg.norm(g["spins"], axis=-1), 1.0)
    x = lso.spiral(64, 64, axis=0, j=1.0, d=0.3)
    assert x["wavevector"] == (3, 0) and g["energy_per_spin"] < x["energy_per_spin"] < -2.0439
    # A ground state stays put under relaxation.
    r = lso.relax(g["spins"], j=1.0, d=0.3)
    assert abs(r["energy_after"][0] - r["energy_before"][0]) < 1e-9 * 4096
    with pytest.raises(ValueError, match="axis must be 0, 1 or None"):
        lso.spiral(8, 8, axis=2)


def test_shape_metrics_of_a_square_and_a_bow_tie():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    bow = np.array([[0, 0], [1, 1], [1, 0], [0, 1]], dtype=float)
    m = lso.shape_metrics(np.stack([square, bow]))
    assert np.isclose(m["isoperimetric"][0], 16 / (4 * np.pi))
    assert list(m["valid"]) == [1.0, 0.0] and m["crossings"][1] >= 1
    g = lso.generate_shapes(seed=0, samples=8, points=20)
    assert g["shapes"].shape == (8, 20, 2) and len(g["labels"]) == 8


# --- the pipeline and the VAE ------------------------------------------------------------------


def test_run_from_a_dict_and_a_loaded_vae(tmp_path):
    text = (ROOT / "tests" / "fixtures" / "small.toml").read_text()
    import tomllib  # noqa: PLC0415 (3.11+, here only to build the dict form)

    cfg = tomllib.loads(text)
    r = lso.run(cfg, out=tmp_path / "run")
    assert r.results["schema"] == 2 and r.results["problem"] == "ising"
    assert r.report.exists() and "min energy" in r.table
    best = r.best()
    assert best["best"]["energy"] >= -128
    vae = r.vae()
    assert vae.kind == "ising" and vae.latent == 2
    x = np.load(tmp_path / "run" / "data" / "spins.npy").astype(np.float64)
    z = vae.encode(x)
    assert np.allclose(z, np.load(tmp_path / "run" / "vae" / "latents.npy"), atol=1e-5)
    y = vae.decode(z[:3].astype(np.float64))
    assert y.shape == (3, 8, 8)
    # The same config as TOML text and as a path reuse every stage.
    again = lso.run(text, out=tmp_path / "run")
    assert again.results["outcomes"] == r.results["outcomes"]
    path_run = lso.run(str(ROOT / "tests" / "fixtures" / "small.toml"), out=tmp_path / "run")
    assert path_run.results == again.results


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: lso.ising_energy(np.ones(5, dtype=np.int8)), "shape (M, Ly, Lx) or (Ly, Lx)"),
        (lambda: lso.ising_energy(np.zeros((2, 3, 3), dtype=np.int8)), "value 0 at index [0, 0, 0] is not ±1"),
        (lambda: lso.ising_energy(np.array([["a", "b"], ["c", "d"]])), "numpy array of floats or integers"),
        (lambda: lso.ising_energy(np.full((3, 3), np.nan)), "is not ±1"),
        (lambda: lso.ising_energy(np.ones((3, 3)), couplings=np.ones((4, 3, 2))), "couplings have shape"),
        (lambda: lso.ising_energy(np.ones((3, 3)), couplings=np.full((3, 3, 2), np.inf)), "not finite"),
        (lambda: lso.ising_energy(np.ones((3, 3)), boundary="moebius"), "boundary must be periodic or open"),
        (lambda: lso.heisenberg_observables(np.ones((4, 4, 3))), "has length 1.73"),
        (lambda: lso.heisenberg_observables(np.ones((4, 4, 2))), "(M, Ly, Lx, 3)"),
        (lambda: lso.heisenberg_observables(np.full((4, 4, 3), np.nan)), "has length NaN"),
        (lambda: lso.shape_metrics(np.ones((3, 5))), "(M, N, 2) or (N, 2)"),
        (lambda: lso.generate_ising(lxx=3), "unknown field `lxx`"),
        (lambda: lso.generate_ising(samples=0), "samples"),
        (lambda: lso.inverse_fit(np.ones((4, 4, 4)), method="magic"), "method must be"),
        (lambda: lso.run("version = 1\nname = 3\n"), "config: line 2"),
    ],
)
def test_bad_input_raises_value_error_with_the_cli_message(call, message):
    with pytest.raises(ValueError) as e:
        call()
    assert message in str(e.value)


def test_missing_files_raise_os_error(tmp_path):
    with pytest.raises(OSError) as e:
        lso.Vae.load(str(tmp_path / "nowhere"))
    assert "nowhere" in str(e.value) and "cannot read" in str(e.value)
    with pytest.raises(OSError):
        lso.run(str(tmp_path / "missing.toml"))


def _interrupt_after(seconds, call):
    """Runs `call` with a SIGINT sent after `seconds`; returns how long it took to raise."""
    # A shell starts background jobs with SIGINT ignored, and Python then installs no handler:
    # put Python's own back for this test, as an interactive session has it.
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            call()
    finally:
        signal.signal(signal.SIGINT, old)
    return time.perf_counter() - t0


def _cpu_seconds_over(wall):
    """CPU time this process spends (all threads) while the caller sleeps `wall` seconds."""
    c0 = time.process_time()
    time.sleep(wall)
    return time.process_time() - c0


@pytest.mark.parametrize(
    "call",
    [
        # Minutes of annealing if left alone.
        lambda: lso.generate_chiral(seed=0, lx=64, ly=64, samples=4000, steps=200, sweeps_per_step=20),
        # Parallel tempering on a torus, minutes if left alone.
        lambda: lso.ground_state(
            np.random.default_rng(0).normal(size=(64, 64, 2)), boundary="periodic", seed=0
        ),
    ],
    ids=["generate_chiral", "ground_state"],
)
def test_a_long_call_is_interrupted_by_ctrl_c_and_stops_working(call):
    assert _interrupt_after(0.5, call) < 3.0
    # The work itself stopped, not only the wait for it: an idle process uses next to no CPU,
    # a worker left running would use a whole core or more.
    assert _cpu_seconds_over(1.0) < 0.2
