"""PyTorch twin of `lso bench chiral`'s conv-VAE epoch, for a same-machine comparison.

The network is the one `lso_nn::conv::ConvVae` builds for the bench (size 32, channels [16, 32],
latent 32): circular padding before every 3x3 convolution, conv + ReLU + 2x2 max-pool stages, a
dense bottleneck, nearest upsampling + conv stages and a per-site unit normalisation; the loss is
the summed squared error per sample plus beta = 0.001 times the KL term, Adam at lr 1e-3, batch 16,
400 samples. Run: `pip install torch`, then
`python benches/reference/conv_vae_torch.py [threads] [size]` (size 32 or 64, as `lso bench chiral`).
"""

import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
SIZE = int(sys.argv[2]) if len(sys.argv) > 2 else 32
torch.set_num_threads(THREADS)
torch.manual_seed(0)
CHANNELS, LATENT, SAMPLES, BATCH, BETA = [16, 32], 32, 400, 16, 1e-3


def circ(x):
    return F.pad(x, (1, 1, 1, 1), mode="circular")


class ConvVae(nn.Module):
    def __init__(self):
        super().__init__()
        ins = [3] + CHANNELS
        self.enc = nn.ModuleList(nn.Conv2d(a, b, 3) for a, b in zip(ins, ins[1:]))
        outs = CHANNELS[::-1] + [3]
        self.dec = nn.ModuleList(nn.Conv2d(a, b, 3) for a, b in zip(outs, outs[1:]))
        self.small = SIZE >> len(CHANNELS)
        flat = CHANNELS[-1] * self.small**2
        self.mu, self.log_var = nn.Linear(flat, LATENT), nn.Linear(flat, LATENT)
        self.expand = nn.Linear(LATENT, flat)

    def forward(self, x):
        b = x.shape[0]
        h = x.reshape(b, SIZE, SIZE, 3).permute(0, 3, 1, 2)
        for c in self.enc:
            h = F.max_pool2d(F.relu(c(circ(h))), 2)
        h = h.flatten(1)
        mu, log_var = self.mu(h), self.log_var(h)
        z = mu + torch.randn_like(mu) * (0.5 * log_var).exp()
        h = F.relu(self.expand(z)).reshape(b, CHANNELS[-1], self.small, self.small)
        for k, c in enumerate(self.dec):
            h = c(circ(F.interpolate(h, scale_factor=2, mode="nearest")))
            if k + 1 < len(self.dec):
                h = F.relu(h)
        h = h / (h.pow(2).sum(1, keepdim=True) + 1e-8).sqrt()
        y = h.permute(0, 2, 3, 1).reshape(b, -1)
        recon = (y - x).pow(2).sum(1).mean()
        kl = -0.5 * (1 + log_var - mu.pow(2) - log_var.exp()).sum(1).mean()
        return recon + BETA * kl


x = torch.randn(SAMPLES, SIZE * SIZE, 3)
x = (x / x.norm(dim=2, keepdim=True)).reshape(SAMPLES, -1)
model = ConvVae()
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
times = []
for epoch in range(6):
    t0 = time.perf_counter()
    for idx in torch.randperm(SAMPLES).split(BATCH):
        opt.zero_grad()
        loss = model(x[idx])
        loss.backward()
        opt.step()
    times.append(time.perf_counter() - t0)
steady = sorted(times[1:])
print(f"torch {torch.__version__}, {THREADS} thread(s), {SIZE}²: conv VAE epoch {steady[len(steady) // 2]:.4f} s (median)")
