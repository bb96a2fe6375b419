"""The torch.nn twins of the nnlab models in test/keras/pytorch.test.ts, and the two checks run against real PyTorch.

    python torch_models.py write DIR   torch builds each model with seeded weights and writes DIR/<case>.safetensors
                                       (its state_dict) and DIR/<case>_io.safetensors (inputs x and torch's outputs y)
    python torch_models.py check DIR   torch loads DIR/<case>.safetensors, written by nnlab's exportPytorchStateDict,
                                       with load_state_dict(strict=True), predicts DIR/<case>_io.safetensors's x and
                                       prints {"<case>": max |torch - nnlab|} as JSON

The committed fixtures in test/keras/fixtures/pytorch/ are `write` with this file. Inputs are in torch's layouts
(images NCHW, token ids as floats). Hyper-parameters follow Keras's: BatchNorm2d eps=1e-3, batch_first recurrent layers.
"""

import json
import sys

import torch
from safetensors.torch import load_file, save_file
from torch import nn


def lecture_cnn():
    """The lecture's MNIST CNN (test/keras/lecture_cnn.ts); nnlab's layer names map to indices 0, 3 and 8."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10), nn.Softmax(dim=1),
    )


def conv_bn():
    """Conv2D(3, 3, padding same), BatchNormalization, ReLU, Flatten, Dense(4) on 6x6x2 images: indices 0, 1, 4."""
    return nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3, eps=1e-3), nn.ReLU(), nn.Flatten(), nn.Linear(108, 4),
    )


class Recurrent(nn.Module):
    """Embedding(12, 4), Bidirectional(LSTM(5, return_sequences)), GRU(3), Dense(2) on 7 token ids."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(12, 4)
        self.lstm = nn.LSTM(4, 5, batch_first=True, bidirectional=True)
        self.gru = nn.GRU(10, 3, batch_first=True)
        self.dense = nn.Linear(3, 2)

    def forward(self, tokens):
        sequence, _ = self.lstm(self.embedding(tokens.long()))
        _, last = self.gru(sequence)
        return self.dense(last[-1])


CASES = {
    "cnn": (lecture_cnn, lambda g: torch.rand(3, 1, 28, 28, generator=g)),
    "conv_bn": (conv_bn, lambda g: torch.randn(3, 2, 6, 6, generator=g)),
    "rnn": (Recurrent, lambda g: torch.randint(0, 12, (3, 7), generator=g).float()),
}


def write(directory):
    for name, (build, inputs) in CASES.items():
        torch.manual_seed(1234)
        model = build()
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):  # statistics away from 0 and 1, so that loading them counts
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
        model.eval()
        x = inputs(torch.Generator().manual_seed(99))
        with torch.no_grad():
            y = model(x)
        save_file(model.state_dict(), f"{directory}/{name}.safetensors")
        save_file({"x": x.contiguous(), "y": y.contiguous()}, f"{directory}/{name}_io.safetensors")


def check(directory):
    result = {}
    for name, (build, _) in CASES.items():
        model = build()
        model.load_state_dict(load_file(f"{directory}/{name}.safetensors"), strict=True)
        model.eval()
        io = load_file(f"{directory}/{name}_io.safetensors")
        with torch.no_grad():
            y = model(io["x"])
        result[name] = float((y - io["y"]).abs().max())
    print(json.dumps(result))


if __name__ == "__main__":
    {"write": write, "check": check}[sys.argv[1]](sys.argv[2])
