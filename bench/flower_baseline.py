"""Flower's side of bench/flower-compare (issue 5): Flower's FedAvg and Krum strategies on Cohort's partitions.

The same federated rounds as Cohort's in-process simulation (io.cohort.learning.sim.Simulation, run by
io.cohort.learning.bench.AttackComparison), with Flower 1.42's own aggregation code doing the aggregating:
each round every client trains the MNIST CNN (ModelSpec.mnistCnn, in PyTorch) from the global model on its
partition, the attackers (the last f clients) replace what they send, and the strategy's aggregate_fit
(flwr.server.strategy.FedAvg, or Krum with num_malicious_clients=f and num_clients_to_keep=0) turns the
clients' FitRes into the next global model. Flower's strategies are driven in-process, as its server loop
would call them after a round of fit; no Flower server, gRPC or ray is started.

What is the same as on Cohort's side, so that differences come from the aggregation code and the kernels:
  * the partitions and the initial parameters, read from the files ExportPartitions writes;
  * the data (IDX, pixels / 255 as float32) and the model (conv 32, relu, pool, conv 64, relu, pool,
    dense 128, relu, dense 10), mean softmax cross-entropy, SGD with momentum restarted each round;
  * the local shuffle: the Fisher-Yates permutation of java.util.SplittableRandom seeded with
    seed * 1,000,003 + round * 1009 + client (DjlModel.train and Simulation.trainFrom);
  * the attacks' formulas, attacker ids and seeds (docs/attacks.md): SignFlip sends -s * delta; GaussianNoise
    sends N(0, sigma^2) per coordinate from RoundView.derive(seed, round, client, 0) by Box-Muller in
    coordinate order; ALIE sends mu - z * sigma over the honest clients' updates (z by default
    Alie.zMax(n, f)). Every client reports its partition size as num_examples.
What differs: PyTorch's SGD step (buf = m * buf + g; w -= lr * buf) where DJL's is (s = m * s + lr * g;
w -= s), equal up to rounding; Flower averages parameters where Cohort averages updates; Flower's Krum picks
the lowest score with numpy's argmin over scores summed in its own order.

Output per scenario, as AttackComparison prints it: a '#' line, the per-round table of Simulation
(round, accuracy, loss, [rejected,] seconds) and
    final flower krum/signflip:5 accuracy 0.9012 best 0.9100 after 20 target 0.9000 reached 7
"""
import argparse
import json
import math
import statistics
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

MASK = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def mix64(z):
    """SplitMix64's finaliser (java.util.SplittableRandom.mix64, RoundView.mix) on an unsigned 64-bit int."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def mix64_array(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class JavaSplittableRandom:
    """The draws of java.util.SplittableRandom(seed) that Cohort's simulation uses, bit for bit."""

    def __init__(self, seed):
        self.seed = seed & MASK

    def next_int(self):
        self.seed = (self.seed + GOLDEN_GAMMA) & MASK
        z = self.seed
        z = ((z ^ (z >> 33)) * 0x62A9D9ED799705F5) & MASK
        r = (((z ^ (z >> 28)) * 0xCB24D0A5C88C35B3) & MASK) >> 32
        return r - (1 << 32) if r >= 1 << 31 else r

    def next_int_below(self, bound):
        """RandomSupport.boundedNextInt: Java's int arithmetic, overflow test included."""
        r = self.next_int()
        m = bound - 1
        if bound & m == 0:
            return r & m
        u = (r & 0xFFFFFFFF) >> 1
        while True:
            r = u % bound
            if u + m - r < 1 << 31:
                return r
            u = (self.next_int() & 0xFFFFFFFF) >> 1

    def next_doubles(self, count):
        """count successive nextDouble() values: (nextLong() >>> 11) * 2^-53."""
        steps = np.arange(1, count + 1, dtype=np.uint64) * np.uint64(GOLDEN_GAMMA) + np.uint64(self.seed)
        self.seed = (self.seed + count * GOLDEN_GAMMA) & MASK
        return (mix64_array(steps) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def permutation(n, random):
    """DjlModel.permutation: Fisher-Yates over 0..n-1 driven by a JavaSplittableRandom."""
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = random.next_int_below(i + 1)
        order[i], order[j] = order[j], order[i]
    return np.array(order, dtype=np.int64)


def derive(seed, round_, client, stream):
    """RoundView.derive: the seed of one client's draws in one round."""
    h = mix64(seed & MASK)
    h = mix64((h + 0x9E3779B97F4A7C15 * (round_ + 1)) & MASK)
    h = mix64((h + 0xC2B2AE3D27D4EB4F * (client + 1)) & MASK)
    return mix64((h + 0x165667B19E3779F9 * (stream + 1)) & MASK)


def gaussian(size, sigma, seed):
    """Statistics.addGaussian on zeros: Box-Muller pairs (u1 = 1 - U, u2 = U) in coordinate order."""
    pairs = (size + 1) // 2
    u = JavaSplittableRandom(seed).next_doubles(2 * pairs)
    r = np.sqrt(-2.0 * np.log(1.0 - u[0::2]))
    a = 2.0 * math.pi * u[1::2]
    out = np.empty(2 * pairs, dtype=np.float64)
    out[0::2] = sigma * r * np.cos(a)
    out[1::2] = sigma * r * np.sin(a)
    return out[:size].astype(np.float32)


def idx(path, header):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def load(data_dir, dataset, part):
    folder = {"mnist": "mnist", "fashion": "fashion-mnist"}[dataset]
    x = idx(f"{data_dir}/{folder}/{part}-images-idx3-ubyte", 16).astype(np.float32).reshape(-1, 1, 28, 28)
    y = idx(f"{data_dir}/{folder}/{part}-labels-idx1-ubyte", 8).astype(np.int64)
    return x / np.float32(255), y


def read_partitions(path):
    with open(path) as f:
        return [np.array(line.split(), dtype=np.int64) for line in f if not line.startswith("#")]


def read_initial(path):
    """The F32 tensors of a safetensors file, in the flat order its 'order' metadata gives."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    out = []
    for name in header["__metadata__"]["order"].split(","):
        entry = header[name]
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, expected F32")
        start, end = entry["data_offsets"]
        out.append((name, np.frombuffer(body[start:end], dtype="<f4").reshape(entry["shape"]).copy()))
    return out


def mnist_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def set_parameters(model, arrays):
    with torch.no_grad():
        for p, a in zip(model.parameters(), arrays, strict=True):
            p.copy_(torch.from_numpy(a))


def train(model, global_arrays, x, y, args, seed):
    """One client's local training from the global model; returns its parameters."""
    set_parameters(model, global_arrays)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    loss_fn = nn.CrossEntropyLoss()
    random = JavaSplittableRandom(seed)  # one generator, one permutation per epoch, as DjlModel.train
    for _ in range(args.epochs):
        order = permutation(len(y), random)
        for start in range(0, len(y), args.batch):
            b = order[start:start + args.batch]
            opt.zero_grad()
            loss = loss_fn(model(torch.from_numpy(x[b])), torch.from_numpy(y[b]))
            loss.backward()
            opt.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def evaluate(model, arrays, x, y):
    """Accuracy and mean cross-entropy as Evaluation.of computes them, in batches of 500."""
    set_parameters(model, arrays)
    model.eval()
    correct, loss_sum = 0, 0.0
    with torch.no_grad():
        for start in range(0, len(y), 500):
            logits = model(torch.from_numpy(x[start:start + 500])).numpy().astype(np.float64)
            labels = y[start:start + 500]
            top = logits.max(axis=1, keepdims=True)
            lse = np.log(np.exp(logits - top).sum(axis=1))
            loss_sum += float((lse - (logits[np.arange(len(labels)), labels] - top[:, 0])).sum())
            correct += int((logits.argmax(axis=1) == labels).sum())
    return correct / len(y), loss_sum / len(y)


def z_max(n, f):
    """Alie.zMax: Phi^-1((n - s) / n) with s = floor(n / 2 + 1) - f."""
    s = (n // 2 + 1) - f
    if n < 2 or f < 1 or s < 1:
        raise ValueError(f"ALIE's z_max needs 1 <= f <= n/2 attackers among n >= 2 clients, got n={n}, f={f}")
    return statistics.NormalDist().inv_cdf((n - s) / n)


def parse_attack(spec, n, f):
    """(kind, value, trains) for none, signflip:s, gaussian:sigma, alie[:z]."""
    kind, _, value = spec.partition(":")
    if kind == "none":
        return kind, None, True
    if f == 0:
        raise ValueError(f"attack {spec} needs f >= 1 attackers")
    if kind in ("signflip", "gaussian"):
        if not value:
            raise ValueError(f"attack {spec} needs a value, e.g. signflip:5 or gaussian:1")
        return kind, float(value), kind == "signflip"
    if kind == "alie":
        return kind, float(value) if value else z_max(n, f), False
    raise ValueError(f"attack must be none, signflip:<scale>, gaussian:<sigma> or alie[:<z>], got {spec}")


def submit(kind, value, delta, benign, seed, round_, client):
    """The update an attacker sends (flat float32), given its trained update and the honest ones."""
    if kind == "signflip":
        return (-value * delta.astype(np.float64)).astype(np.float32)
    if kind == "gaussian":
        return gaussian(delta.size, value, derive(seed, round_, client, 0))
    if kind == "alie":
        stacked = np.stack(benign).astype(np.float64)
        std = stacked.std(axis=0, ddof=1) if len(benign) > 1 else np.zeros(stacked.shape[1])
        return (stacked.mean(axis=0) - value * std).astype(np.float32)
    raise AssertionError(kind)


def flatten(arrays):
    return np.concatenate([a.ravel() for a in arrays])


def unflatten(flat, like):
    out, at = [], 0
    for a in like:
        out.append(flat[at:at + a.size].reshape(a.shape))
        at += a.size
    return out


def run(scenario, args, data, initial, model):
    from flwr.common import Code, FitRes, Status, ndarrays_to_parameters, parameters_to_ndarrays
    from flwr.server.strategy import FedAvg, Krum

    x, y, test_x, test_y, parts = data
    n, f = len(parts), args.f
    aggregator, _, attack = scenario.partition("/")
    kind, value, attackers_train = parse_attack(attack, n, f)
    attackers = set(range(n - f, n)) if kind != "none" else set()
    no_metrics = lambda metrics: {}  # noqa: E731 (keeps Flower from warning that none is aggregated)
    if aggregator == "fedavg":
        strategy = FedAvg(fit_metrics_aggregation_fn=no_metrics)
    elif aggregator == "krum":
        strategy = Krum(num_malicious_clients=f, num_clients_to_keep=0, fit_metrics_aggregation_fn=no_metrics)
    else:
        raise ValueError(f"aggregator must be fedavg or krum, got {aggregator}")
    print(f"# flower {args.dataset} {scenario} clients={n} attackers={len(attackers)} rounds={args.rounds}"
          f" epochs={args.epochs} batch={args.batch} lr={args.lr} momentum={args.momentum} seed={args.seed}"
          f" strategy={strategy!r}")
    header = f"{'round':<6} {'accuracy':<9} {'loss':<8} "
    if aggregator != "fedavg":
        header += f"{'rejected':<8} "
    print(header + f"{'seconds':<8}", flush=True)
    global_arrays = [a.copy() for a in initial]
    best, reached, accuracy = 0.0, "-", 0.0
    for r in range(1, args.rounds + 1):
        t0 = time.perf_counter()
        global_flat = flatten(global_arrays)
        deltas = []
        for c in range(n):
            if c in attackers and not attackers_train:
                deltas.append(np.zeros_like(global_flat))
                continue
            seed = (args.seed * 1_000_003 + r * 1009 + c) & MASK
            trained = train(model, global_arrays, x[parts[c]], y[parts[c]], args, seed)
            deltas.append(flatten(trained) - global_flat)
        benign = [deltas[c] for c in range(n) if c not in attackers]
        results = []
        for c in range(n):
            sent = submit(kind, value, deltas[c], benign, args.seed, r, c) if c in attackers else deltas[c]
            parameters = ndarrays_to_parameters(unflatten(global_flat + sent, global_arrays))
            fit = FitRes(status=Status(code=Code.OK, message=""), parameters=parameters,
                         num_examples=len(parts[c]), metrics={})
            # aggregate_fit reads only the FitRes; the client proxy is the transport's, absent here
            results.append((None, fit))
        aggregated, _ = strategy.aggregate_fit(r, results, [])
        global_arrays = [a.astype(np.float32) for a in parameters_to_ndarrays(aggregated)]
        accuracy, loss = evaluate(model, global_arrays, test_x, test_y)
        best = max(best, accuracy)
        if reached == "-" and accuracy >= args.target:
            reached = str(r)
        row = f"{r:<6d} {accuracy:<9.4f} {loss:<8.4f} "
        if aggregator != "fedavg":
            row += f"{n - 1:<8d} "  # Krum keeps one submission
        print(row + f"{time.perf_counter() - t0:<8.1f}", flush=True)
    print(f"final flower {scenario} accuracy {accuracy:.4f} best {best:.4f} after {args.rounds}"
          f" target {args.target:.4f} reached {reached}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="the data folder with mnist/ and fashion-mnist/ as IDX")
    p.add_argument("--dataset", required=True, choices=["mnist", "fashion"])
    p.add_argument("--partitions", required=True, help="partitions.txt from ExportPartitions")
    p.add_argument("--initial", required=True, help="initial.safetensors from ExportPartitions")
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--f", type=int, default=1, help="attackers (the last f clients), and Krum's f")
    p.add_argument("--target", type=float, default=0.9)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("scenarios", nargs="+", help="aggregator/attack: fedavg|krum / none|signflip:s|gaussian:sigma|alie[:z]")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)

    x, y = load(args.data, args.dataset, "train")
    test_x, test_y = load(args.data, args.dataset, "test")
    parts = read_partitions(args.partitions)
    if not 0 <= args.f < len(parts):
        raise ValueError(f"f = {args.f} attackers among {len(parts)} clients: need 0 <= f < clients")
    model = mnist_cnn()
    initial = []
    named = read_initial(args.initial)
    for (name, array), p in zip(named, model.parameters(), strict=True):
        if tuple(array.shape) != tuple(p.shape):
            raise ValueError(f"{args.initial}: {name} has shape {array.shape}, the PyTorch model needs {tuple(p.shape)}")
        initial.append(array)
    for scenario in args.scenarios:
        run(scenario, args, (x, y, test_x, test_y, parts), initial, model)


if __name__ == "__main__":
    sys.exit(main())
