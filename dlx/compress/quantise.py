"""Post-training quantisation: integer weights per output channel, inputs per layer from training batches.

Every dense and 2-D convolution layer of a chain model becomes its integer twin
(``dlx.nn.quantised``): weight codes with one symmetric scale per output channel
(``max |w| / Q`` over that channel), and one input scale per layer, ``max |x| / Q`` over the
inputs the float network gives that layer on ``calibration`` training samples. Other layers
(activations, pooling, flatten, normalisation) stay float. ``bits: 4`` shows where accuracy breaks.
``qat_epochs`` > 0 first fine-tunes the network that many epochs with quantised weights in its
forward (quantisation-aware training, the straight-through estimator: ``qat.py``).
"""
from __future__ import annotations

import numpy as np

from dlx.compress.prune import Compressed
from dlx.compress.qat import QuantisedTraining
from dlx.compress.training import train_masked
from dlx.errors import DlxError
from dlx.nn import Conv2D, Dense, QuantisedConv2D, QuantisedDense, Sequential
from dlx.nn.quantised import largest_code, quantised_codes, scale_for
from dlx.tensor import Tensor, no_grad

DEFAULTS = {"bits": 8, "activation_bits": 8, "calibration": 512, "qat_epochs": 0}


def checked_options(options: dict, source=None) -> dict:
    options = {**DEFAULTS, **options}
    for key in ("bits", "activation_bits"):
        bits = options[key]
        if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 8:
            raise DlxError(f"{key.replace('_', ' ')} must be a whole number from 2 to 8 (8: int8, 4: int4), "
                           f"got {bits}")
    if int(options["qat_epochs"]) < 0:
        raise DlxError(f"qat_epochs must be 0 (no quantisation-aware training) or more, got {options['qat_epochs']}")
    if int(options["calibration"]) < 1:
        raise DlxError(f"calibration must be 1 or more training samples, got {options['calibration']}")
    return options


def quantise(source, options: dict, log=print) -> Compressed:
    """The run's network with integer dense and convolution layers (``options``: ``DEFAULTS``)."""
    o = checked_options(options)
    network = source.run.network if not o["qat_epochs"] else aware_trained(source, o, log)
    if not isinstance(network, Sequential):
        raise DlxError("quantise works on chain models (a list of layers); this run's model is a graph: "
                       "prune it instead")
    rng = np.random.default_rng(0)
    train = source.splits["train"].X
    sample = train[rng.permutation(len(train))[:int(o["calibration"])]]
    with no_grad():
        x = source.run.scaler(Tensor(source.run.checked_inputs(sample)))
        layers, rows = [], []
        for i, layer in enumerate(network.layers):
            twin = integer_twin(layer, float(np.abs(x.data).max()), o["bits"], o["activation_bits"])
            if twin is not None:
                rows.append({"layer": i, "type": type(layer).__name__, "input_max": float(np.abs(x.data).max()),
                             "weight_codes": int(twin._buffers["weight_codes"].size)})
            layers.append(twin or layer)
            x = layer(x)
    if not rows:
        raise DlxError("the run's model has no dense or conv2d layer to quantise")
    for row in rows:
        log(f"layer {row['layer']} {row['type']}: input max {row['input_max']:.4g}, "
            f"{row['weight_codes']} weight codes")
    quantised = Sequential(layers)
    quantised.eval()
    return Compressed(quantised, rows=rows, record={"bits": o["bits"], "activation_bits": o["activation_bits"],
                                                    "calibration_samples": len(sample)})


def aware_trained(source, o: dict, log) -> Sequential:
    """The run's network after ``qat_epochs`` of quantisation-aware training (``qat.QuantisedTraining``)."""
    x = source.experiment([f"training.epochs={int(o['qat_epochs'])}"])
    x.optimiser = QuantisedTraining(x.optimiser, x.model, o["bits"])
    row = train_masked(x)
    log(f"quantisation-aware training: {row.get('epochs')} epochs, val_accuracy {row.get('val_accuracy', float('nan')):.4g}")
    x.model.eval()
    return x.model


def integer_twin(layer, input_max: float, bits: int, activation_bits: int):
    """The integer layer for a trained ``Dense`` or ``Conv2D`` (None for any other layer)."""
    if type(layer) is Dense:
        twin = QuantisedDense(layer.units, layer.in_features, bits, activation_bits, layer.b is not None)
        twin.build((layer.in_features,), None)
        channel_axes = (0,)
    elif type(layer) is Conv2D and tuple(layer.dilation) == (1, 1):
        twin = QuantisedConv2D(layer.filters, layer.kernel_size, layer.stride, layer._pads, layer.in_channels,
                               bits, activation_bits, layer.b is not None)
        twin._make_state(tuple(layer.weight.shape), layer.filters)
        channel_axes = (1, 2, 3)
    else:
        return None
    weight = layer.weight.data
    scale = scale_for(np.abs(weight).max(axis=channel_axes), bits)  # one per output channel
    shape = (1, -1) if channel_axes == (0,) else (-1, 1, 1, 1)
    twin._buffers["weight_codes"] = quantised_codes(weight, scale.reshape(shape), bits).astype(np.int8)
    twin._buffers["weight_scale"] = scale
    twin._buffers["input_scale"] = scale_for(np.array([input_max]), activation_bits)
    if layer.b is not None:
        twin.b.data = layer.b.data.astype(np.float32).copy()
    twin.eval()
    return twin


__all__ = ["DEFAULTS", "integer_twin", "largest_code", "quantise"]
