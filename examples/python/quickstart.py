"""lso from Python: generate, train, search and plot in a dozen lines.

    pip install ./python matplotlib
    python examples/python/quickstart.py [OUT_DIR]
"""
import sys
import matplotlib; matplotlib.use("Agg")  # noqa: E702 (no display needed)
import matplotlib.pyplot as plt
import numpy as np
import lso

out = sys.argv[1] if len(sys.argv) > 1 else "runs/quickstart"
cfg = {"version": 1, "name": "quickstart", "seed": 0,
       "data": {"lx": 16, "ly": 16, "source": "mc", "samples": 300, "temperatures": [2.0, 2.6, 3.2], "sampler": "wolff"},
       "vae": {"hidden": [128], "latent": 4, "train": {"epochs": 20}},
       "optimise": {"methods": ["cmaes", "random"], "restarts": 4, "budget": 100, "objective": "hard"}}
run = lso.run(cfg, out=out)                                   # data → VAE → surrogate → search → report
best = run.best()                                             # the lowest true energy any explorer found
grid = np.sign(run.vae().decode([best["z"]])[0])              # its decoded, signed configuration
print(run.table, f"\nbest E = {best['best']['energy']} ({best['method']}), report: {run.report}")
fig, ax = plt.subplots(1, 2, figsize=(6, 3))
ax[0].imshow(lso.generate_ising(seed=0, **cfg["data"])["spins"][0], cmap="gray", vmin=-1, vmax=1); ax[0].set_title("a training grid")  # noqa: E702
ax[1].imshow(grid, cmap="gray", vmin=-1, vmax=1); ax[1].set_title(f"latent search: E = {best['best']['energy']:.0f}")  # noqa: E702
fig.savefig(f"{out}/quickstart.png", dpi=100)
