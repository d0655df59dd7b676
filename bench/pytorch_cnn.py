"""The MNIST CNN of Cohort's ModelSpec.mnistCnn in PyTorch: the baseline of bench/training-throughput.

Same layers, batch size, optimizer (SGD, momentum 0.9, lr 0.05), data (the 8,000 training digits that
./setup writes as IDX) and thread count as the DJL side. One untimed warm-up epoch, then timed epochs.
"""
import sys
import time

import numpy as np
import torch
from torch import nn


def idx(path, header):
    with open(path, "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=header)


def main():
    data_dir, epochs, batch, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    x = idx(f"{data_dir}/mnist/train-images-idx3-ubyte", 16).astype(np.float32).reshape(-1, 1, 28, 28) / 255.0
    y = idx(f"{data_dir}/mnist/train-labels-idx1-ubyte", 8).astype(np.int64)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(1)

    def epoch():
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch):
            idx_b = order[start:start + batch]
            xb = torch.from_numpy(x[idx_b])
            yb = torch.from_numpy(y[idx_b])
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    epoch()
    t0 = time.perf_counter()
    for _ in range(epochs):
        epoch()
    seconds = time.perf_counter() - t0
    print(f"pytorch samples_per_s {epochs * len(y) / seconds:.0f} threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
