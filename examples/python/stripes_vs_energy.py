"""Does a lower energy mean straighter stripes? Seed 001 expects min-ε latent search to find
aligned stripes. This draws codes from the Gaussian of a chiral run's encoded training codes (the
`encoded` prior), decodes them, and asks how well the energy per spin ranks them by stripe order:
raw, after a few L-BFGS steps, and fully relaxed. A Spearman correlation near 1 means the
objective selects stripes; near 0 means min ε is blind to them.

    pip install ./python matplotlib
    python examples/python/stripes_vs_energy.py RUN_DIR [DRAWS] [SEED]

RUN_DIR is the output of `lso run` on a chiral config. Writes RUN_DIR/../<run>-stripes.png
(energy against stripe order, one panel per judgement) and prints a table.
"""
import json
import pathlib
import sys

import matplotlib; matplotlib.use("Agg")  # noqa: E702 (no display needed)
import matplotlib.pyplot as plt
import numpy as np
import lso

run = pathlib.Path(sys.argv[1])
draws = int(sys.argv[2]) if len(sys.argv) > 2 else 200
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
meta = json.loads((run / "data" / "meta.json").read_text())["model"]
model = {k: meta[k] for k in ("j", "d", "dmi", "k", "b", "boundary")}

codes = np.load(run / "vae" / "latents.npy").astype(np.float64)
z = codes.mean(0) + codes.std(0) * np.random.default_rng(seed).standard_normal((draws, codes.shape[1]))
spins = np.asarray(lso.Vae.load(str(run)).decode(z), dtype=np.float64)
spins /= np.linalg.norm(spins, axis=-1, keepdims=True)  # the decoder's output is unit vectors up to rounding


def spearman(a, b):
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


judged = {"raw": lso.heisenberg_observables(spins, **model)}
for steps in (20, 200, 100_000):
    relaxed = lso.relax(spins, max_steps=steps, **model)["spins"]
    judged["relaxed" if steps == 100_000 else f"{steps} L-BFGS steps"] = lso.heisenberg_observables(relaxed, **model)

# With J and D alone on a torus the ground state is the lowest commensurate spin spiral
# (stripe order 1), closed-form.
spiral = None
if model["k"] == 0 and model["b"] == 0 and model["boundary"] == "periodic":
    spiral = lso.spiral(meta["lx"], meta["ly"], **model)["energy_per_spin"]

print(f"{draws} decoded draws from the encoded prior of {run}")
if spiral is not None:
    print(f"the ground-state spiral: ε = {spiral:.4f}, stripe order 1")
print(f"{'judged':>18} | {'ε lowest':>9} | {'ε median':>9} | ρ(−ε, stripe order) | stripe order of the 5 lowest ε")
fig, axes = plt.subplots(1, len(judged), figsize=(3.2 * len(judged), 3.2), sharey=True)
for ax, (name, o) in zip(axes, judged.items()):
    e, order = o["energy_per_spin"], o["stripe_order"]
    rho = spearman(-e, order)
    lowest = np.argsort(e)[:5]
    print(f"{name:>18} | {e.min():9.4f} | {np.median(e):9.4f} | {rho:+19.2f} | {np.round(order[lowest], 2)}")
    ax.scatter(order, e, s=6)
    if spiral is not None:
        ax.axhline(spiral, color="C3", lw=1, label="ground-state spiral")
    ax.set_title(f"{name}: ρ = {rho:+.2f}", fontsize=9)
    ax.set_xlabel("stripe order")
axes[0].set_ylabel("ε (energy per spin)")
if spiral is not None:
    axes[0].legend(fontsize=8, loc="upper right")
fig.tight_layout()
png = run.parent / f"{run.name}-stripes.png"
fig.savefig(png, dpi=100)
print(f"figure: {png}")
