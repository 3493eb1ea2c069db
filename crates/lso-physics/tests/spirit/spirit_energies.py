"""Energies that Spirit (spirit-code.github.io) computes for lso's fixed test textures.

`crates/lso-physics/tests/integration/spirit.rs` holds the numbers this prints and checks that lso's
Heisenberg model gives the same energy for the same texture and parameters, so that `neel` and
`bloch` with a given D name the same chirality in both codes.

    python3 -m venv /tmp/spirit && /tmp/spirit/bin/pip install spirit==2.2.0 numpy
    /tmp/spirit/bin/python crates/lso-physics/tests/spirit/spirit_energies.py

Spirit's Hamiltonian per bond pair is −J S_i·S_j − D_ij·(S_i × S_j) with D_ij = D r̂_ij
(dm_chirality 1, Bloch) or D r̂_ij × ẑ (dm_chirality 2, Néel), plus −K (S·ẑ)² and
−μ_s μ_B B·S per site; μ_s = 1 and a field of B/μ_B tesla make the last one lso's −B S_z.
"""
import os
import tempfile

import numpy as np
from spirit import constants, io, parameters, simulation, state, system


def texture(lx, ly):
    """The texture both codes build: smooth but with no symmetry that would hide a sign."""
    y, x = np.mgrid[0:ly, 0:lx].astype(float)
    theta = 1.2 + 0.9 * np.sin(0.7 * x + 0.31 * y) + 0.4 * np.cos(1.3 * y - 0.2 * x)
    phi = 0.45 * x - 0.8 * y + 0.05 * x * y
    s = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], -1)
    return s.reshape(-1, 3)  # x fastest, then y: Spirit's order and lso's


CASES = [
    # (lx, ly, periodic, dmi, D, K, B)
    (8, 6, True, "neel", 0.3, 0.0, 0.0),
    (8, 6, True, "neel", -0.3, 0.0, 0.0),
    (8, 6, True, "bloch", 0.3, 0.0, 0.0),
    (8, 6, True, "bloch", -0.3, 0.0, 0.0),
    (8, 6, False, "neel", 0.3, 0.0, 0.0),
    (7, 5, False, "bloch", 0.3, 0.0, 0.0),
    (7, 5, True, "neel", 0.45, 0.1, 0.05),
    (7, 5, True, "bloch", 0.45, 0.1, 0.05),
]


def energy(lx, ly, periodic, dmi, d, k, b, write_ovf=False):
    bc = 1 if periodic else 0
    cfg = f"""
hamiltonian heisenberg_neighbours
boundary_conditions {bc} {bc} 0
bravais_lattice sc
n_basis_cells {lx} {ly} 1
mu_s 1.0
external_field_magnitude {b / constants.mu_B!r}
external_field_normal 0 0 1
anisotropy_magnitude {k!r}
anisotropy_normal 0 0 1
n_shells_exchange 1
jij 1.0
n_shells_dmi 1
dij {d!r}
dm_chirality {1 if dmi == "bloch" else 2}
"""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        with state.State(path, quiet=True) as p:
            system.get_spin_directions(p)[:] = texture(lx, ly)
            system.update_data(p)
            if write_ovf:
                # Spirit's own OVF output of the texture, for lso's reader (Spirit 2.2 built with
                # double precision writes Binary 8 even when asked for Binary 4).
                here = os.path.dirname(os.path.abspath(__file__))
                for name, fmt in [("text", io.FILEFORMAT_OVF_TEXT), ("bin8", io.FILEFORMAT_OVF_BIN8)]:
                    io.image_write(p, os.path.join(here, f"texture_{lx}x{ly}_{name}.ovf"), fileformat=fmt)
            return system.get_energy(p)


def relaxed_labyrinth():
    """Spirit's velocity-projection minimiser on `labyrinth_24x24.ovf` (an annealed lso
    labyrinth, Néel D = 0.3, periodic): the energy lso's `relax` must reach from the same start."""
    here = os.path.dirname(os.path.abspath(__file__))
    cfg = """
hamiltonian heisenberg_neighbours
boundary_conditions 1 1 0
bravais_lattice sc
n_basis_cells 24 24 1
mu_s 1.0
n_shells_exchange 1
jij 1.0
n_shells_dmi 1
dij 0.3
dm_chirality 2
"""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        with state.State(path, quiet=True) as p:
            parameters.llg.set_convergence(p, 1e-10)
            io.image_read(p, os.path.join(here, "labyrinth_24x24.ovf"))
            simulation.start(p, simulation.METHOD_LLG, simulation.SOLVER_VP, n_iterations=200000)
            system.update_data(p)
            return system.get_energy(p)


if __name__ == "__main__":
    energy(7, 5, True, "neel", 0.3, 0.0, 0.0, write_ovf=True)
    for case in CASES:
        lx, ly, periodic, dmi, d, k, b = case
        bc = "Periodic" if periodic else "Open"
        print(f"    ({lx}, {ly}, Boundary::{bc}, Dmi::{dmi.capitalize()}, {d}, {k}, {b}, {energy(*case):.5f}),")
    print(f"relaxed labyrinth: {relaxed_labyrinth():.5f}")
