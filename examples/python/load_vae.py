"""Rebuild an lso VAE from its files with numpy alone, and check it against lso's own encoding.

    python examples/python/load_vae.py RUN_DIR

RUN_DIR is a directory made by `lso run` (any problem): the network is rebuilt from
`vae/vae.json` and `vae/vae.safetensors`, the training data are read from `data/`, encoded, and
the encoder means are compared with `vae/latents.npy`, which lso wrote. A decode of those means
is printed too. The same layer order carries over to PyTorch one to one (README, "The VAE in
PyTorch"); only `torch.nn.Linear` wants the dense weights transposed.

Needs numpy and safetensors (`pip install numpy safetensors`).
"""
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file


def relu(x):
    return np.maximum(x, 0.0)


def dense(w, name, x):
    # lso stores dense weights [in, out]: y = x W + b (torch.nn.Linear holds W transposed).
    return x @ w[f"{name}.weight"] + w[f"{name}.bias"]


def conv3x3_periodic(x, weight, bias):
    """A 3×3 convolution (cross-correlation, as in PyTorch) after one cell of circular padding."""
    b, _, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="wrap")
    out = np.zeros((b, weight.shape[0], h, wd), dtype=np.float64)
    for dy in range(3):
        for dx in range(3):
            out += np.einsum("bchw,oc->bohw", xp[:, :, dy : dy + h, dx : dx + wd], weight[:, :, dy, dx])
    return out + bias[None, :, None, None]


def max_pool2(x):
    b, c, h, w = x.shape
    return x.reshape(b, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


class DenseVae:
    """Ising and shapes: encoder Linear+ReLU per hidden layer, then Linear heads for μ and
    log σ²; decoder Linear+ReLU per hidden layer (in reverse), a last Linear, then the output
    activation."""

    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w

    def encode(self, x):
        h = x
        for k in range(len(self.cfg["hidden"])):
            h = relu(dense(self.w, f"encoder.layers.{k}", h))
        return dense(self.w, "mu", h), dense(self.w, "log_var", h)

    def decode(self, z):
        h = z
        n = len(self.cfg["hidden"]) + 1
        for k in range(n):
            h = dense(self.w, f"decoder.layers.{k}", h)
            if k + 1 < n:
                h = relu(h)
        out = self.cfg.get("output", "tanh")
        return np.tanh(h) if out == "tanh" else 1.0 / (1.0 + np.exp(-h)) if out == "sigmoid" else h


def leaky_relu(x, slope=0.01):
    return np.where(x > 0, x, slope * x)


def batch_norm(w, name, x):
    """Inference-time batch norm over axis 1 with the stored running statistics (eps 1e-5)."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    g, b, m, v = (w[f"{name}.{k}"].reshape(shape) for k in ("gamma", "beta", "running_mean", "running_var"))
    return (x - m) / np.sqrt(v + 1e-5) * g + b


class ConvVae:
    """Chiral magnets: input (L, L, 3) as channels-first (3, L, L); per stage a periodic 3×3 conv,
    ReLU and 2×2 max-pool; flatten (channel, y, x); Linear heads. The decoder: Linear + ReLU,
    reshape, then per stage nearest 2× upsampling and a periodic conv (ReLU between stages),
    and each site's 3-vector divided by its length.

    With `"arch": "paper"` (Park et al.'s Fig. 6) every ReLU becomes batch norm + leaky ReLU, a
    dense `enc_fc` layer sits before the heads and `dec_fc` before `expand` (each with its norm,
    as is `expand`), the last stage's conv is normalised too, and a final 3 → 3 conv follows it
    without upsampling."""

    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        self.stages = len(cfg["channels"])
        self.paper = cfg.get("arch", "compact") == "paper"

    def act(self, name, x):
        return leaky_relu(batch_norm(self.w, name, x)) if self.paper else relu(x)

    def encode(self, x):
        size = self.cfg["size"]
        h = x.reshape(-1, size, size, 3).transpose(0, 3, 1, 2)
        for k in range(self.stages):
            h = conv3x3_periodic(h, self.w[f"encoder.{k}.weight"], self.w[f"encoder.{k}.bias"])
            h = max_pool2(self.act(f"enc_norm.{k}", h))
        flat = h.reshape(h.shape[0], -1)
        if self.paper:
            flat = self.act("enc_fc_norm", dense(self.w, "enc_fc", flat))
        return dense(self.w, "mu", flat), dense(self.w, "log_var", flat)

    def decode(self, z):
        size, last = self.cfg["size"], self.cfg["channels"][-1]
        small = size >> self.stages
        if self.paper:
            z = self.act("dec_fc_norm", dense(self.w, "dec_fc", z))
        h = self.act("expand_norm", dense(self.w, "expand", z)).reshape(-1, last, small, small)
        convs = self.stages + (1 if self.paper else 0)
        for k in range(convs):
            if k < self.stages:
                h = h.repeat(2, axis=2).repeat(2, axis=3)
            h = conv3x3_periodic(h, self.w[f"decoder.{k}.weight"], self.w[f"decoder.{k}.bias"])
            if k + 1 < convs:
                h = self.act(f"dec_norm.{k}", h)
        h = h / np.sqrt((h**2).sum(axis=1, keepdims=True) + 1e-8)
        return h.transpose(0, 2, 3, 1).reshape(h.shape[0], -1)


def training_input(run, cfg):
    """The training data as the network saw them, one flattened row per sample."""
    data = run / "data"
    if (data / "shapes.npy").exists():
        x = np.load(data / "shapes.npy").astype(np.float64).reshape(-1, cfg["input"])
        norm = json.loads((run / "vae" / "normalisation.json").read_text())
        if norm.get("range"):
            lo, hi = norm["range"]
            x = (x - lo) / (hi - lo)
        return x
    # Ising spins are int8 ±1 and go in as ±1.0; chiral spins are unit vectors (Ly, Lx, 3).
    x = np.load(data / "spins.npy").astype(np.float64)
    return x.reshape(x.shape[0], -1)


def main(run):
    run = Path(run)
    cfg = json.loads((run / "vae" / "vae.json").read_text())
    w = {k: v.astype(np.float64) for k, v in load_file(run / "vae" / "vae.safetensors").items()}
    vae = ConvVae(cfg, w) if "channels" in cfg else DenseVae(cfg, w)
    x = training_input(run, cfg)
    mu, _ = vae.encode(x)
    lso_mu = np.load(run / "vae" / "latents.npy")
    worst = float(np.abs(mu - lso_mu).max())
    scale = float(np.abs(lso_mu).max())
    print(f"{type(vae).__name__}: {x.shape[0]} samples, latent {mu.shape[1]}")
    print(f"encoder means vs latents.npy: max |difference| {worst:.2e} (largest |mean| {scale:.2f})")
    recon = vae.decode(mu[:4])
    print(f"decoded 4 means: shape {recon.shape}, mean |x - decode(encode(x))| {np.abs(recon - x[:4]).mean():.3f}")
    if not worst <= 1e-4 * max(1.0, scale):
        sys.exit("the numpy rebuild does not reproduce latents.npy")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
