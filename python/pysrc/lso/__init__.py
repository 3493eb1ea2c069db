"""lso: latent-space optimisation of physical systems, from Python.

numpy in and out. Observables read int8 spins and float64 vectors in place and release the GIL;
long work (generation, annealing, relaxation, fits, whole runs) can be stopped with Ctrl-C.
Errors carry the command line's one-line messages: ValueError for what was asked, OSError for
files.

>>> import lso, numpy as np
>>> d = lso.generate_ising(lx=16, ly=16, source="mc", temperatures=[2.0], samples=100, seed=1)
>>> lso.ising_energy(d["spins"])[:3]
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Union

from ._lso import (  # noqa: F401
    Vae,
    __version__,
    energy_density,
    generate_chiral,
    generate_ising,
    generate_shapes,
    ground_state,
    heisenberg_observables,
    inverse_fit,
    ising_energy,
    ising_magnetisation,
    relax,
    search_spins,
    shape_metrics,
    spiral,
)
from . import _lso

__all__ = [
    "Vae",
    "RunResult",
    "__version__",
    "energy_density",
    "generate_chiral",
    "generate_ising",
    "generate_shapes",
    "ground_state",
    "heisenberg_observables",
    "inverse_fit",
    "ising_energy",
    "ising_magnetisation",
    "relax",
    "run",
    "search_spins",
    "shape_metrics",
    "spiral",
]


@dataclass
class RunResult:
    """What `lso.run` leaves: the results (the run's `results.json` as Python objects), its
    directory, the HTML report and the summary table as text."""

    results: Dict[str, Any]
    run_dir: Path
    report: Path
    table: str

    def vae(self) -> "Vae":
        """The run's trained VAE."""
        return Vae.load(str(self.run_dir))

    def best(self, objective: Optional[str] = None) -> Dict[str, Any]:
        """The outcome with the best objective value (of `objective`, or the first one)."""
        name = objective or self.results["objectives"][0]["name"]
        outs = [o for o in self.results["outcomes"] if o["objective"] == name and o.get("value") is not None]
        if not outs:
            raise ValueError(f"no outcome for objective {name!r}")
        return min(outs, key=lambda o: o["value"])


def run(
    config: Union[str, os.PathLike, Dict[str, Any]],
    out: Optional[Union[str, os.PathLike]] = None,
    seed: Optional[int] = None,
    force: bool = False,
) -> RunResult:
    """Runs the whole pipeline (`lso run`): data, VAE, search, controls, report.

    `config` is a path to a TOML file, TOML text, or a dict with the same tables
    (``{"version": 1, "name": "x", "data": {...}, "vae": {...}, ...}``). `out` is the run
    directory (default ``runs/<name>``); a finished stage with the same config is reused, and
    `force` recomputes everything.
    """
    if isinstance(config, dict):
        text, is_path = _lso.json_to_toml(json.dumps(config)), False
    elif isinstance(config, os.PathLike) or (isinstance(config, str) and "\n" not in config and config.endswith(".toml")):
        text, is_path = os.fspath(config), True
    elif isinstance(config, str):
        text, is_path = config, False
    else:
        raise TypeError(f"config must be a path, TOML text or a dict, not {type(config).__name__}")
    results, run_dir, report, table = _lso.run_config(
        text, is_path, None if out is None else os.fspath(out), seed, force
    )
    return RunResult(json.loads(results), Path(run_dir), Path(report), table)
