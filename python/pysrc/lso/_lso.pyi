"""Type stubs of lso's compiled core (see `lso/__init__.py` for the package)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

def ising_energy(
    spins: npt.ArrayLike,
    j: float = 1.0,
    h: float = 0.0,
    boundary: str = "periodic",
    couplings: Optional[npt.ArrayLike] = None,
) -> npt.NDArray[np.float64]:
    """Ising energies E = −Σ J s_i s_j − h Σ s_i of spins (M, Ly, Lx) or (Ly, Lx) in ±1.

    int8 spins are read in place. `couplings` (Ly, Lx, 2): [y, x, 0] couples (y, x)–(y, x+1),
    [y, x, 1] couples (y, x)–(y+1, x); without it every bond is `j`."""

def ising_magnetisation(spins: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Magnetisation per spin of each configuration (M, Ly, Lx)."""

def heisenberg_observables(
    spins: npt.ArrayLike, ax: int = 1, ay: int = 0, **model: Any
) -> Dict[str, npt.NDArray[np.float64]]:
    """energy, energy_per_spin, w (topological index), mz, correlation C(ax, ay) and stripe_order
    (share of the S_z structure factor in its strongest ±q pair: 1 for a spiral) of unit-spin
    fields (M, Ly, Lx, 3). `model`: j, d, dmi ("neel" | "bloch"), k, b, boundary."""

def energy_density(spins: npt.ArrayLike, **model: Any) -> npt.NDArray[np.float64]:
    """Local energy density (M, Ly, Lx) of unit-spin fields; each map sums to the energy."""

def spiral(lx: int, ly: int, axis: Optional[int] = None, **model: Any) -> Dict[str, Any]:
    """The lowest harmonic spin spiral that closes on an lx × ly lattice (over every commensurate
    wavevector, or along `axis`: 0 for q along x, 1 along y): the ground state for J and D alone
    on a torus. Returns spins (1, Ly, Lx, 3), energy_per_spin and wavevector (n, m), where
    q = 2π(n/lx, m/ly). `model`: j, d, dmi, k, b, boundary."""

def shape_metrics(shapes: npt.ArrayLike) -> Dict[str, npt.NDArray[np.float64]]:
    """isoperimetric, perimeter_to_area, crossings and valid of polygons (M, N, 2)."""

def generate_ising(seed: int = 0, **config: Any) -> Dict[str, npt.NDArray[Any]]:
    """Ising data as `lso generate ising` makes it; `config` holds `[data]` keys (lx, ly,
    source = "biased" | "mc" | "anneal", samples, temperatures, sampler, ...).
    Returns spins int8 (M, Ly, Lx), energy, magnetisation."""

def generate_chiral(seed: int = 0, **config: Any) -> Dict[str, npt.NDArray[np.float64]]:
    """Annealed chiral-magnet textures; `config` holds `[chiral]` keys.
    Returns spins (M, Ly, Lx, 3), energy, w, mz."""

def generate_shapes(seed: int = 0, **config: Any) -> Dict[str, Any]:
    """Polygons; `config` holds `[shapes]` keys. Returns shapes float32 (M, N, 2), labels, classes."""

def ground_state(
    couplings: npt.ArrayLike, boundary: str = "open", seed: int = 0
) -> Tuple[float, npt.NDArray[np.int8], bool]:
    """(energy, spins (Ly, Lx), exact) of a spin-glass instance (Ly, Lx, 2): exact by planar
    matching with open boundaries; the best of parallel-tempering runs on a torus."""

def search_spins(
    couplings: npt.ArrayLike,
    budgets: Sequence[int],
    method: str = "anneal",
    boundary: str = "open",
    seed: int = 0,
    t_hot: float = 3.0,
    t_cold: float = 0.1,
    t_min: float = 0.2,
    t_max: float = 1.6,
    replicas: int = 16,
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.int8]]:
    """Simulated annealing or parallel tempering as `lso compare` runs them: the best energy
    within each budget (sweeps) and the best configuration."""

def relax(
    spins: npt.ArrayLike,
    tolerance: float = 1e-7,
    max_steps: int = 100000,
    method: str = "lbfgs",
    **model: Any,
) -> Dict[str, npt.NDArray[Any]]:
    """Zero-temperature relaxation of unit-spin fields (M, Ly, Lx, 3): method "lbfgs" (L-BFGS on
    spin rotations, the default) or "vp" (velocity projection). Returns spins, energy_before,
    energy_after, steps."""

def inverse_fit(
    samples: npt.ArrayLike,
    method: str = "pseudolikelihood",
    parametrisation: str = "uniform",
    boundary: str = "periodic",
    seed: int = 0,
) -> Dict[str, Any]:
    """J and h learnt from samples (M, Ly, Lx): floats for "uniform", arrays for "bonds"
    (J (Ly, Lx, 2), h (Ly, Lx)) and "full" (J (N, N)); also diverged_at and seconds."""

def run_config(
    config: str, is_path: bool = False, out: Optional[str] = None, seed: Optional[int] = None, force: bool = False
) -> Tuple[str, str, str, str]: ...
def json_to_toml(text: str) -> str: ...

class Vae:
    """A trained VAE of a run directory."""

    latent: int
    kind: str
    @staticmethod
    def load(run_dir: str) -> "Vae":
        """Loads run_dir/vae (or a vae/ directory itself)."""
    def encode(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
        """Encoder means (M, latent) of configurations (M, ...) in the data's form."""
    def decode(self, z: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
        """Decoded configurations (M, ...) of codes (M, latent): Ising decoder outputs (M, Ly, Lx),
        shape coordinates (M, N, 2), chiral unit spins (M, L, L, 3)."""
