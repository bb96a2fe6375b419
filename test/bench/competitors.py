"""Same-run competitors for the bench's training section (test/bench/training.ts).

PyTorch (CPU) and Keras 3 on TensorFlow (CPU) train the models nnlab trains there,
on the same data, batch size, optimizer and thread count, and print one line
"@training-result {json}" with the fields training.ts reads (Result).

    python competitors.py JOB THREADS DATA_DIR [--full]

JOB: cnn-torch | cnn-keras | lstm-torch | transformer-torch | small-ops-torch.
DATA_DIR holds MNIST's IDX files (.gz or not) for the CNN, or the sequence
tasks' tensors written by training.ts (raw little-endian float32 / int32, with
shapes in meta.json) for the sequence models.
"""

import gzip
import json
import os
import sys
import time


def peak_rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("competitors.py: /proc/self/status has no VmHWM line (peak RSS needs Linux)")


def read_idx(directory, name):
    import numpy as np

    path = os.path.join(directory, name)
    opener = open if os.path.exists(path) else gzip.open
    if opener is gzip.open:
        path += ".gz"
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist(directory):
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    x_train, y_train, x_test, y_test = (read_idx(directory, n) for n in names)
    scale = lambda x: (x.astype("float32") / 255.0).reshape(-1, 28, 28, 1)  # noqa: E731
    return scale(x_train), y_train.astype("int64"), scale(x_test), y_test.astype("int64")


def sequences(directory):
    import numpy as np

    with open(os.path.join(directory, "meta.json")) as f:
        meta = json.load(f)
    out = {}
    for name, spec in meta["tensors"].items():
        dtype = np.float32 if spec["dtype"] == "float32" else np.int32
        out[name] = np.fromfile(os.path.join(directory, name + ".bin"), dtype=dtype).reshape(spec["shape"])
    return out, meta["params"]


class Timer:
    """Times batches after `warmup` ones; `done` once `timed` batches are timed (None: never)."""

    def __init__(self, warmup, timed):
        self.warmup, self.timed = warmup, timed
        self.started = self.finished = 0.0
        self.batches = 0

    def batch_end(self, index):
        now = time.perf_counter()
        if index == self.warmup - 1:
            self.started = now
        if index >= self.warmup:
            self.finished = now
            self.batches = index - self.warmup + 1

    def done(self):
        return self.timed is not None and self.batches >= self.timed

    def samples_per_second(self, batch):
        if self.batches == 0:
            raise RuntimeError("competitors.py: no batch was timed (fewer batches than the warm-up)")
        return self.batches * batch / (self.finished - self.started)


def result(timer_batches, samples_per_second, accuracy, fit_peak, fit_seconds):
    return {
        "batches": timer_batches,
        "samplesPerSecond": samples_per_second,
        "testAccuracy": accuracy,
        "fitPeakRssBytes": fit_peak,
        "peakRssBytes": peak_rss(),
        "fitSeconds": fit_seconds,
    }


# ----- PyTorch -----


def torch_setup(threads):
    import torch

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    return torch


def keras_init(torch, model):
    """Keras's default initializers, so that accuracy compares like with like: Glorot-uniform
    kernels, zero biases, orthogonal recurrent kernels with the forget gate's bias at 1,
    embeddings uniform in +-0.05."""
    nn = torch.nn
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.uniform_(m.weight, -0.05, 0.05)
        elif isinstance(m, nn.LSTM):
            units = m.hidden_size
            for name, w in m.named_parameters():
                if name.startswith("weight_ih"):
                    nn.init.xavier_uniform_(w)
                elif name.startswith("weight_hh"):
                    for g in range(4):
                        nn.init.orthogonal_(w.data[g * units : (g + 1) * units])
                else:
                    nn.init.zeros_(w)
                    if name.startswith("bias_ih"):
                        w.data[units : 2 * units] = 1.0
    return model


def torch_cnn(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
    )  # fmt: skip


class TorchLstm:
    def __new__(cls, torch, features, units, classes):
        nn = torch.nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(features, units, batch_first=True)
                self.out = nn.Linear(units, classes)

            def forward(self, x):
                _, (h, _) = self.lstm(x)
                return self.out(h[-1])

        return Model()


class TorchTransformer:
    """Embedding + learned positions, 2 post-norm encoder blocks (relu, no dropout), a Dense per token."""

    def __new__(cls, torch, vocab, length, dim, heads, ff):
        nn = torch.nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim)
                self.position = nn.Parameter(nn.init.xavier_uniform_(torch.empty(length, dim)))
                block = lambda: nn.TransformerEncoderLayer(  # noqa: E731
                    dim, heads, ff, dropout=0.0, batch_first=True, layer_norm_eps=1e-5
                )
                self.blocks = nn.Sequential(block(), block())
                self.out = nn.Linear(dim, vocab)

            def forward(self, x):
                return self.out(self.blocks(self.embed(x) + self.position))

        return Model()


def torch_fit(torch, model, x, y, batch, lr, warmup, timed, epochs):
    """Adam (Keras's epsilon), cross-entropy on logits, shuffled batches; returns (timer, fit seconds)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    timer = Timer(warmup, timed)
    n = x.shape[0]
    step = 0
    start = time.perf_counter()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n)
        for lo in range(0, n, batch):
            idx = order[lo : lo + batch]
            optimizer.zero_grad(set_to_none=True)
            logits = model(x[idx])
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), y[idx].reshape(-1))
            loss.backward()
            optimizer.step()
            loss.item()  # as Keras and nnlab read the loss every batch
            timer.batch_end(step)
            step += 1
            if timer.done():
                return timer, time.perf_counter() - start
    return timer, time.perf_counter() - start


def torch_accuracy(torch, model, x, y, batch):
    model.eval()
    correct = 0
    with torch.no_grad():
        for lo in range(0, x.shape[0], batch):
            correct += (model(x[lo : lo + batch]).argmax(-1) == y[lo : lo + batch]).sum().item()
    return correct / y.numel()


def cnn_torch(threads, data, full):
    torch = torch_setup(threads)
    x_train, y_train, x_test, y_test = mnist(data)
    # NCHW, PyTorch's layout for Conv2d.
    to_nchw = lambda x: torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()  # noqa: E731
    xt, yt = to_nchw(x_train), torch.from_numpy(y_train)
    model = keras_init(torch, torch_cnn(torch))
    timer, seconds = torch_fit(torch, model, xt, yt, 128, 1e-3, 3, None if full else 40, 1)
    fit_peak = peak_rss()
    accuracy = torch_accuracy(torch, model, to_nchw(x_test), torch.from_numpy(y_test), 500)
    return result(timer.batches, timer.samples_per_second(128), accuracy, fit_peak, seconds)


def sequence_torch(job, threads, data):
    torch = torch_setup(threads)
    d, p = sequences(data)
    if job == "lstm-torch":
        x, y, xt, yt = (torch.from_numpy(d[k]) for k in ("x", "y", "testX", "testY"))
        y, yt = y.long(), yt.long()
        model = TorchLstm(torch, x.shape[2], p["units"], p["classes"])
    else:
        x, y, xt, yt = (torch.from_numpy(d[k]).long() for k in ("x", "y", "testX", "testY"))
        model = TorchTransformer(torch, p["vocab"], x.shape[1], p["dim"], p["heads"], p["ff"])
    lr, timed_epochs = p["learningRate"], p["timedEpochs"]
    keras_init(torch, model)
    batches = -(-x.shape[0] // 32)
    start = time.perf_counter()
    timer, _ = torch_fit(torch, model, x, y, 32, lr, batches, None, 1 + timed_epochs)
    seconds = time.perf_counter() - start
    fit_peak = peak_rss()
    accuracy = torch_accuracy(torch, model, xt, yt, 256)
    return result(timed_epochs, timer.samples_per_second(32), accuracy, fit_peak, seconds)


# ----- Keras 3 on TensorFlow -----


def cnn_keras(threads, data, full):
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    keras.utils.set_random_seed(0)
    x_train, y_train, x_test, y_test = mnist(data)
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, 10)
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    timer = Timer(3, None if full else 40)

    class Hooks(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            timer.batch_end(batch)
            if timer.done():
                self.model.stop_training = True

    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=128, epochs=1, verbose=0, shuffle=True, callbacks=[Hooks()])
    seconds = time.perf_counter() - start
    fit_peak = peak_rss()
    accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)[1]
    return result(timer.batches, timer.samples_per_second(128), float(accuracy), fit_peak, seconds)


SMALL_OP_ROUNDS = 5
SMALL_OP_CALLS = 2000


def small_ops_torch(threads):
    """PyTorch's eager ops on the small tensors of test/bench/small_ops.ts: microseconds per call, median of rounds."""
    torch = torch_setup(threads)
    a, b = torch.randn(32, 64), torch.randn(32, 64)
    row, w = torch.randn(64), torch.randn(64, 64)
    logits, heads = torch.randn(32, 10), torch.randn(32, 6, 2, 32)
    wg = torch.randn(64, 64, requires_grad=True)
    bg = torch.randn(64, requires_grad=True)

    def layer():
        torch.relu(a @ wg + bg).sum().backward()
        wg.grad = None
        bg.grad = None

    def no_grad(fn):
        def run():
            with torch.no_grad():
                fn()

        return run

    cases = {
        "add [32,64] + [32,64]": no_grad(lambda: a + b),
        "mul [32,64] * [64]": no_grad(lambda: a * row),
        "matmul [32,64] x [64,64]": no_grad(lambda: a @ w),
        "softmax [32,10]": no_grad(lambda: torch.softmax(logits, -1)),
        "sum [32,64] over rows": no_grad(lambda: a.sum(0)),
        # nnlab's transpose copies; .contiguous() makes PyTorch's view a copy too.
        "transpose [32,6,2,32] -> [32,2,6,32]": no_grad(lambda: heads.permute(0, 2, 1, 3).contiguous()),
        "relu(x W + b), sum, backward (W [64,64])": layer,
    }
    out = {}
    for name, fn in cases.items():
        for _ in range(200):
            fn()
        rounds = []
        for _ in range(SMALL_OP_ROUNDS):
            start = time.perf_counter()
            for _ in range(SMALL_OP_CALLS):
                fn()
            rounds.append((time.perf_counter() - start) * 1e6 / SMALL_OP_CALLS)
        out[name] = sorted(rounds)[SMALL_OP_ROUNDS // 2]
    return out


def main():
    job, threads, data = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    full = "--full" in sys.argv[4:]
    if job == "small-ops-torch":
        print("@small-ops " + json.dumps(small_ops_torch(threads)), flush=True)
        return
    if job == "cnn-torch":
        out = cnn_torch(threads, data, full)
    elif job == "cnn-keras":
        out = cnn_keras(threads, data, full)
    elif job in ("lstm-torch", "transformer-torch"):
        out = sequence_torch(job, threads, data)
    else:
        raise SystemExit(f"competitors.py: unknown job {job!r}")
    print("@training-result " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
