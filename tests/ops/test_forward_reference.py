"""Every registered operation's forward value against an independent reference.

Gradcheck compares the backward with the forward, so an operation wrong in both
(``where`` with its branches swapped in forward and backward) passes it. Here each
forward is compared, on its registered example input in float64, with

* a formula written out in NumPy (always), and
* PyTorch (where installed),

and an operation registered without a reference fails ``test_every_operation_has_a_reference``.
"""
import numpy as np
import pytest

from dlx import Tensor
from dlx.registry import operations
from tests.conftest import example_call


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def correlate2d(x, w, b, stride, padding, dilation):
    """Cross-correlation by its definition: out[n,o,i,j] = b[o] + sum_{c,p,q} w[o,c,p,q] x[n,c,i s + p d, j s + q d]."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = xp.shape
    o, _, kh, kw = w.shape
    ho, wo = (h - dilation * (kh - 1) - 1) // stride + 1, (wd - dilation * (kw - 1) - 1) // stride + 1
    out = np.empty((n, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * stride:i * stride + dilation * (kh - 1) + 1:dilation,
                       j * stride:j * stride + dilation * (kw - 1) + 1:dilation]
            out[:, :, i, j] = np.einsum("ncpq,ocpq->no", patch, w) + b
    return out


def pool2d(x, pool_size, stride, padding, reduce, fill):
    """Windows by their definition; ``fill`` pads (-inf for max, 0 for a mean that counts padding)."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=fill)
    ho = (xp.shape[2] - pool_size) // stride + 1
    wo = (xp.shape[3] - pool_size) // stride + 1
    return np.array([[[[reduce(xp[n, c, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size])
                        for j in range(wo)] for i in range(ho)] for c in range(x.shape[1])] for n in range(len(x))])


def batch_norm(x, gamma, beta, eps=1e-5):
    axes = (0, 2, 3)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)  # biased, as the paper
    return gamma[None, :, None, None] * (x - mean) / np.sqrt(var + eps) + beta[None, :, None, None]


def bce_with_logits(z, t):  # -mean(t log s(z) + (1 - t) log(1 - s(z))), written stably
    return np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))


def conv1d_formula(x, w, b, stride, padding, dilation):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    return correlate2d(x[:, :, None, :], w[:, :, None, :], b, stride, 0, dilation)[:, :, 0, :]


def mean_formula(a, axis=None, keepdims=False):
    total = np.add.reduce(a, axis=axis, keepdims=keepdims)
    return total / (a.size // total.size)


def concatenate_formula(tensors, axis=0):
    """Each part assigned to its slice of an empty result."""
    shape = list(tensors[0].shape)
    shape[axis] = sum(t.shape[axis] for t in tensors)
    out, start = np.empty(shape), 0
    for t in tensors:
        index = [slice(None)] * len(shape)
        index[axis] = slice(start, start + t.shape[axis])
        out[tuple(index)] = t
        start += t.shape[axis]
    return out


def conv_transpose2d_formula(x, w, b, stride=1, padding=0, output_padding=0, dilation=1):
    """Each input pixel scatters its weighted kernel: out[n,o,i s + p d - pad, j s + q d - pad] += x[n,c,i,j] w[c,o,p,q]."""
    n, c, h, wd = x.shape
    _, o, kh, kw = w.shape
    ho = (h - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1
    wo = (wd - 1) * stride - 2 * padding + dilation * (kw - 1) + output_padding + 1
    full = np.zeros((n, o, ho + 2 * padding, wo + 2 * padding))
    for i in range(h):
        for j in range(wd):
            for p in range(kh):
                for q in range(kw):
                    full[:, :, i * stride + p * dilation, j * stride + q * dilation] += x[:, :, i, j] @ w[:, :, p, q]
    return full[:, :, padding:padding + ho, padding:padding + wo] + b[None, :, None, None]


def upsample_bilinear_formula(x, scale):
    """align_corners=False: source coordinate (dst + 0.5) / scale - 0.5, clamped at 0, between two neighbours."""
    def weights(size, factor):
        rows = np.zeros((size * factor, size))
        for d in range(size * factor):
            src = max((d + 0.5) / factor - 0.5, 0.0)
            i0 = min(int(np.floor(src)), size - 1)
            i1, lam = min(i0 + 1, size - 1), src - min(int(np.floor(src)), size - 1)
            rows[d, i0] += 1 - lam
            rows[d, i1] += lam
        return rows
    sh, sw = (scale, scale) if np.isscalar(scale) else scale
    return np.einsum("ai,ncij,bj->ncab", weights(x.shape[2], sh), x, weights(x.shape[3], sw))


def circular_shift_formula(w, s):
    """out_i = sum_j s_j w[(i - o_j) mod N], offsets o_j = j - S // 2, by index arithmetic."""
    n, size = w.shape[-1], s.shape[-1]
    index = (np.arange(n)[:, None] - (np.arange(size) - size // 2)[None, :]) % n  # (N, S)
    return (w[..., index] * s[..., None, :]).sum(-1)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def recurrence_formula(step, x, h0, mask, states):
    """A loop over time: ``step(x_t, states) -> states`` (the first is h); a masked step keeps the states
    and outputs 0; the final states are appended after the outputs, as ``return_state=True`` does."""
    outputs = []
    for t in range(x.shape[1]):
        new = step(x[:, t], states)
        keep = mask[:, t][:, None]
        states = [np.where(keep, a, b) for a, b in zip(new, states)]
        outputs.append(np.where(keep, states[0], 0.0))
    return np.concatenate([np.stack(outputs, axis=1), np.stack(states, axis=1)], axis=1)


def rnn_formula(x, w_x, w_h, b, h0, mask, activation="tanh", return_state=True):
    act = np.tanh if activation == "tanh" else (lambda z: np.maximum(z, 0))
    return recurrence_formula(lambda xt, s: [act(xt @ w_x + s[0] @ w_h + b)], x, h0, mask, [h0])


def lstm_formula(x, w_x, w_h, b, h0, c0, mask, return_state=True):
    """The lecture's gates, in the order (i, f, o, g): c = f c + i g, h = o tanh(c)."""
    def step(xt, s):
        z = xt @ w_x + s[0] @ w_h + b
        i, f, o, g = np.split(z, 4, axis=1)
        c = sigmoid(f) * s[1] + sigmoid(i) * np.tanh(g)
        return [sigmoid(o) * np.tanh(c), c]
    return recurrence_formula(step, x, h0, mask, [h0, c0])


def gru_formula(x, w_x, w_h, b_x, b_h, h0, mask, return_state=True):
    """Gates (r, z, n): n = tanh(x W_xn + b_xn + r (h W_hn + b_hn)), h = (1 - z) n + z h."""
    def step(xt, s):
        ax, ah = np.split(xt @ w_x + b_x, 3, axis=1), np.split(s[0] @ w_h + b_h, 3, axis=1)
        r, z = sigmoid(ax[0] + ah[0]), sigmoid(ax[1] + ah[1])
        n = np.tanh(ax[2] + r * ah[2])
        return [(1 - z) * n + z * s[0]]
    return recurrence_formula(step, x, h0, mask, [h0])


def huber_formula(p, t, delta=1.0):
    d = np.abs(p - t)
    return np.mean(np.where(d <= delta, 0.5 * d ** 2, delta * (d - 0.5 * delta)))


def allowed_pairs(queries, keys, key_mask=None, causal=False):
    """(B or 1, 1, Tq, Tk) True where query i may attend to key j."""
    allowed = np.ones((1, 1, queries, keys), dtype=bool)
    if key_mask is not None:
        allowed = allowed & np.asarray(key_mask, dtype=bool)[:, None, None, :]
    return allowed & np.tri(queries, keys, dtype=bool) if causal else allowed


def attention_formula(q, k, v, key_mask=None, causal=False):
    """softmax(Q K^T / sqrt(d)) V over the allowed keys, the weights written out."""
    scores = np.einsum("bhid,bhjd->bhij", q, k) / np.sqrt(q.shape[-1])
    weights = np.where(allowed_pairs(q.shape[2], k.shape[2], key_mask, causal), np.exp(scores), 0.0)
    return np.einsum("bhij,bhjd->bhid", weights / weights.sum(axis=-1, keepdims=True), v)


def ctc_formula(z, targets, input_lengths, target_lengths, reduction="mean"):
    """-log of the sum over every path of T_n frames that reads to the target (all C^T_n of them)."""
    import itertools
    probs, losses = softmax(z, -1), []
    for n, (steps, length) in enumerate(zip(input_lengths, target_lengths)):
        total = 0.0
        for path in itertools.product(range(z.shape[2]), repeat=int(steps)):
            read = [c for i, c in enumerate(path) if c != 0 and (i == 0 or path[i - 1] != c)]
            if read == list(targets[n, :length]):
                total += np.prod(probs[n, np.arange(steps), list(path)])
        losses.append(-np.log(total) / max(int(length), 1))
    return np.mean(losses)


def surrogate_step(x, surrogate, slope, smooth):
    """The spike: the step, or (smooth) its stand-in S(x) written out (dlx.ops.spiking's docstring)."""
    if not smooth:
        return (x > 0).astype(float)
    return {"fast_sigmoid": lambda: 0.5 + x / (1 + slope * abs(x)),
            "arctan": lambda: 0.5 + np.arctan(np.pi * slope * x / 2) / np.pi,
            "sigmoid": lambda: 1 / (1 + np.exp(-slope * x))}[surrogate]()


def lif_formula(current, beta=0.9, threshold=1.0, reset="subtract", surrogate="fast_sigmoid", slope=25.0,
                smooth=False, detach_reset=False, output="spikes"):
    """One neuron at a time, one step at a time: v = beta u + I, s = step(v - theta), u = v - theta s."""
    n_samples, steps, units = current.shape
    out = np.zeros_like(current)
    for n in range(n_samples):
        for h in range(units):
            u = 0.0
            for t in range(steps):
                v = beta * u + current[n, t, h]
                if threshold is None:
                    u = s = v
                else:
                    s = surrogate_step(v - threshold, surrogate, slope, smooth)
                    u = v - threshold * s if reset == "subtract" else v * (1 - s)
                out[n, t, h] = s if output == "spikes" and threshold is not None else u
    return out


def normal_density(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def sampled_kl_formula(w, mu, rho, pi=0.5, sigma1=1.0, sigma2=0.0025):
    """sum log q(w) - log P(w) with the densities written out (q Gaussian, P the two-Gaussian mixture)."""
    sigma = np.log(1 + np.exp(rho))
    prior = pi * normal_density(w, 0, sigma1) + (1 - pi) * normal_density(w, 0, sigma2)
    return np.sum(np.log(normal_density(w, mu, sigma)) - np.log(prior))


FORMULAS = {
    "identity": lambda x: x,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)),
    "relu": lambda x: np.where(x > 0, x, 0.0),
    "leaky_relu": lambda x, negative_slope=0.01: np.where(x > 0, x, negative_slope * x),
    "softmax": lambda x, axis=-1: softmax(x, axis),
    "masked_softmax": lambda s, mask: np.where(mask, np.exp(s - np.where(mask, s, -np.inf).max(-1, keepdims=True)), 0)
    / np.where(mask, np.exp(s - np.where(mask, s, -np.inf).max(-1, keepdims=True)), 0).sum(-1, keepdims=True),
    "log_softmax": lambda x, axis=-1: log_softmax(x, axis),
    "conv2d": lambda x, w, b, stride, padding, dilation: correlate2d(x, w, b, stride, padding, dilation),
    "conv1d": lambda x, w, b, stride, padding, dilation: conv1d_formula(x, w, b, stride, padding, dilation),
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "pow": lambda a, p: np.exp(p * np.log(a)),
    "exp": lambda a: np.e ** a,
    "log": lambda a: np.log(a),
    "sqrt": lambda a: a ** 0.5,
    "abs": lambda a: np.sqrt(a * a),
    "clip": lambda a, low=None, high=None: np.minimum(np.maximum(a, low), high),
    "where": lambda condition, a, b: condition * a + (1 - condition) * b,
    "matmul": lambda a, b: np.einsum("bij,jk->bik", a, b),
    "mse_loss": lambda p, t: np.mean((p - t) ** 2),
    "binary_cross_entropy": lambda p, t: -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)),
    "bce_with_logits": bce_with_logits,
    "cross_entropy": lambda z, y: -np.mean(log_softmax(z, -1)[np.arange(len(y)), y]),
    "batch_norm": batch_norm,
    "max_pool2d": lambda x, pool_size, stride, padding: pool2d(x, pool_size, stride, padding, np.max, -np.inf),
    "avg_pool2d": lambda x, pool_size, stride, padding: pool2d(x, pool_size, stride, padding, np.mean, 0.0),
    "sum": lambda a, axis=None, keepdims=False: np.add.reduce(a, axis=axis, keepdims=keepdims),
    "mean": mean_formula,
    "max": lambda a, axis=-1, keepdims=False: np.sort(a, axis=axis).take([-1] if keepdims else -1, axis=axis),
    "reshape": lambda a, shape: a.ravel().reshape(shape),
    "transpose": lambda a, axes: np.einsum(a, [0, 1, 2], list(axes)),  # out[axes] = a[0, 1, 2]
    "getitem": lambda a, index: np.array([[a[i][j] for j in range(*index[1].indices(a.shape[1]))] for i in index[0]]),
    "concatenate": concatenate_formula,
    "stack": lambda tensors, axis=0: np.moveaxis(np.array(tensors), 0, axis),
    "bernoulli_nll": lambda z, x: np.mean(np.sum(-x * np.log(sigmoid(z)) - (1 - x) * np.log(1 - sigmoid(z)), axis=1)),
    "gaussian_kl": lambda mu, logvar: np.mean(np.sum(0.5 * (mu ** 2 + np.exp(logvar) - 1 - logvar), axis=1)),
    "reparameterize": lambda mu, logvar, eps: mu + np.sqrt(np.exp(logvar)) * eps,
    "huber_loss": huber_formula,
    "masked_mean": lambda v, m: v[m].sum() / v[m].size,
    "masked_cross_entropy": lambda z, y, m: -np.mean(log_softmax(z, -1)[m][np.arange(m.sum()), y[m]]),
    "embedding": lambda weight, index: np.array([[weight[i] for i in row] for row in index]),
    "word_scores": lambda u, o, inputs, cands: np.array([[np.mean([u[i] for i in row], axis=0) @ o[c] for c in crow]
                                                         for row, crow in zip(inputs, cands)]),
    "conv_transpose2d": conv_transpose2d_formula,
    "softplus_sample": lambda mu, rho, eps: mu + np.log(1 + np.exp(rho)) * eps,
    "sampled_kl": sampled_kl_formula,
    "lif_sequence": lif_formula,
    "upsample_nearest2d": lambda x, scale: x.repeat(scale[0], axis=2).repeat(scale[1], axis=3),
    "upsample_bilinear2d": upsample_bilinear_formula,
    "rnn_sequence": rnn_formula,
    "lstm_sequence": lstm_formula,
    "gru_sequence": gru_formula,
    "affine": lambda x, weight, bias: np.einsum("bti,ij->btj", x, weight) + bias,
    "layer_norm": lambda x, gamma, beta: gamma * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True)
                                                                                              + 1e-5) + beta,
    "scaled_dot_product_attention": attention_formula,
    "ctc_loss": ctc_formula,
    "softplus": lambda x: np.log1p(np.exp(x)),
    "cosine_similarity": lambda k, m: np.einsum("bhm,bnm->bhn", k, m) / (
        np.sqrt((k * k).sum(-1) + 1e-8)[..., None] * np.sqrt((m * m).sum(-1) + 1e-8)[:, None, :]),
    "circular_shift": lambda w, s: circular_shift_formula(w, s),
    "sharpen": lambda w, gamma: (w + 1e-12) ** gamma / ((w + 1e-12) ** gamma).sum(-1, keepdims=True),
    "memory_write": lambda m, w, e, a: m * (1 - np.einsum("bn,bm->bnm", w, e)) + np.einsum("bn,bm->bnm", w, a),
}


def torch_lif(torch, current, beta=0.9, threshold=1.0, reset="subtract", surrogate="fast_sigmoid", slope=25.0,
              smooth=False, detach_reset=False, output="spikes"):
    """The LIF recurrence in torch, a step at a time over the batch (torch has no LIF function)."""
    u, outputs = torch.zeros_like(current[:, 0]), []
    for t in range(current.shape[1]):
        v = beta * u + current[:, t]
        if threshold is None:
            u = s = v
        else:
            x = v - threshold
            s = {"fast_sigmoid": lambda: 0.5 + x / (1 + slope * x.abs()),
                 "arctan": lambda: 0.5 + torch.atan(torch.pi * slope * x / 2) / torch.pi,
                 "sigmoid": lambda: torch.sigmoid(slope * x)}[surrogate]() if smooth else (x > 0).to(current.dtype)
            u = v - threshold * s if reset == "subtract" else v * (1 - s)
        outputs.append(s if output == "spikes" and threshold is not None else u)
    return torch.stack(outputs, 1)


def torch_sampled_kl(torch, w, mu, rho, pi=0.5, sigma1=1.0, sigma2=0.0025):
    Normal, f64 = torch.distributions.Normal, lambda value: torch.tensor(value, dtype=w.dtype)  # noqa: E731
    prior = torch.logsumexp(torch.stack([torch.log(f64(pi)) + Normal(f64(0.0), f64(sigma1)).log_prob(w),
                                         torch.log(f64(1 - pi)) + Normal(f64(0.0), f64(sigma2)).log_prob(w)]), 0)
    return (Normal(mu, torch.nn.functional.softplus(rho)).log_prob(w) - prior).sum()


def torch_references(torch):
    F = torch.nn.functional
    return {
        "softplus_sample": lambda mu, rho, eps: mu + F.softplus(rho) * eps,
        "sampled_kl": lambda w, mu, rho, **kw: torch_sampled_kl(torch, w, mu, rho, **kw),
        "lif_sequence": lambda current, **kw: torch_lif(torch, current, **kw),
        "identity": lambda x: x, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
        "leaky_relu": lambda x, negative_slope=0.01: F.leaky_relu(x, negative_slope),
        "softmax": lambda x, axis=-1: torch.softmax(x, axis),
        "masked_softmax": lambda s, mask: torch.softmax(s.masked_fill(~mask.bool(), float("-inf")), -1),
        "log_softmax": lambda x, axis=-1: torch.log_softmax(x, axis),
        "conv2d": F.conv2d, "conv1d": F.conv1d,
        "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "neg": torch.neg,
        "pow": torch.pow, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs,
        "clip": lambda a, low=None, high=None: torch.clamp(a, low, high),
        "where": torch.where, "matmul": torch.matmul,
        "mse_loss": F.mse_loss, "binary_cross_entropy": F.binary_cross_entropy,
        "bce_with_logits": F.binary_cross_entropy_with_logits, "cross_entropy": F.cross_entropy,
        "batch_norm": lambda x, gamma, beta: F.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5),
        "max_pool2d": lambda x, pool_size, stride, padding: F.max_pool2d(x, pool_size, stride, padding),
        "avg_pool2d": lambda x, pool_size, stride, padding: F.avg_pool2d(x, pool_size, stride, padding,
                                                                         count_include_pad=True),
        "sum": lambda a, axis=None, keepdims=False: torch.sum(a, dim=axis, keepdim=keepdims),
        "mean": lambda a, axis=None, keepdims=False: torch.mean(a, dim=axis, keepdim=keepdims),
        "max": lambda a, axis=None, keepdims=False: torch.amax(a, dim=axis, keepdim=keepdims),
        "reshape": torch.reshape, "transpose": lambda a, axes: a.permute(*axes),
        "getitem": lambda a, index: a[index],
        "concatenate": lambda tensors, axis=0: torch.cat(tensors, axis),
        "stack": lambda tensors, axis=0: torch.stack(tensors, axis),
        "bernoulli_nll": lambda z, x: F.binary_cross_entropy_with_logits(z, x, reduction="sum") / len(z),
        "gaussian_kl": lambda mu, logvar: torch.distributions.kl_divergence(
            torch.distributions.Normal(mu, torch.exp(0.5 * logvar)),
            torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(1).mean(),
        "huber_loss": lambda p, t, delta=1.0: F.huber_loss(p, t, delta=delta),
        "masked_cross_entropy": lambda z, y, m: F.cross_entropy(z[m], y[m]),
        "embedding": lambda weight, index: F.embedding(index, weight),
        "word_scores": lambda u, o, inputs, cands: torch.einsum(
            "nkd,nd->nk", F.embedding(cands, o), F.embedding(inputs, u).mean(1)),
        "conv_transpose2d": F.conv_transpose2d,
        "upsample_nearest2d": lambda x, scale: F.interpolate(x, scale_factor=scale, mode="nearest"),
        "upsample_bilinear2d": lambda x, scale: F.interpolate(x, scale_factor=scale, mode="bilinear",
                                                              align_corners=False),
        "affine": lambda x, weight, bias: F.linear(x, weight.T, bias),
        "layer_norm": lambda x, gamma, beta: F.layer_norm(x, gamma.shape, gamma, beta, eps=1e-5),
        "scaled_dot_product_attention": lambda q, k, v, key_mask=None, causal=False: F.scaled_dot_product_attention(
            q, k, v, attn_mask=torch.from_numpy(allowed_pairs(q.shape[2], k.shape[2], key_mask, causal))),
        "ctc_loss": lambda z, targets, input_lengths, target_lengths: F.ctc_loss(
            torch.log_softmax(z, -1).transpose(0, 1), torch.from_numpy(targets), torch.from_numpy(input_lengths),
            torch.from_numpy(target_lengths)),
        "softplus": F.softplus,
        "cosine_similarity": lambda k, m: (k @ m.transpose(-1, -2)) / (
            torch.sqrt((k * k).sum(-1) + 1e-8)[..., None] * torch.sqrt((m * m).sum(-1) + 1e-8)[:, None, :]),
        "circular_shift": lambda w, s: sum(s[..., j, None] * torch.roll(w, j - s.shape[-1] // 2, -1)
                                           for j in range(s.shape[-1])),
        "sharpen": lambda w, gamma: F.normalize((w + 1e-12) ** gamma, p=1.0, dim=-1, eps=0.0),
        "memory_write": lambda m, w, e, a: m * (1 - w[..., None] * e[:, None]) + w[..., None] * a[:, None],
    }


# Compared with torch's modules in their own tests (gate layouts differ): tests/ops/test_recurrent.py;
# a sum with a fixed noise, and a masked mean, have no functional of their own in torch.
NO_TORCH_FUNCTION = {"rnn_sequence", "lstm_sequence", "gru_sequence", "reparameterize", "masked_mean"}


def convert(value, array):
    """Float arrays through ``array``; lists and tuples item by item; anything else unchanged."""
    if isinstance(value, list):
        return [convert(v, array) for v in value]
    if isinstance(value, tuple):
        return tuple(convert(v, array) for v in value)
    return array(value) if isinstance(value, np.ndarray) else value


def forward(name, rng):
    """The operation's output on its example (float64 tensors) and the raw example arguments."""
    args, kwargs = example_call(operations.get(name).example, rng)
    wrap = lambda a: Tensor(a, requires_grad=True) if a.dtype.kind == "f" else a  # noqa: E731
    out = operations.get(name)(*convert(args, wrap), **kwargs)
    return out.data, args, kwargs


def test_every_operation_has_a_reference():
    missing = sorted(set(operations.canonical()) - set(FORMULAS))
    assert not missing, f"operations without a forward reference in {__name__}: {missing}"


@pytest.mark.parametrize("name", sorted(operations.canonical()))
def test_forward_matches_the_formula(name):
    ours, args, kwargs = forward(name, np.random.default_rng(0))
    expected = FORMULAS[name](*args, **kwargs)
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(operations.canonical()))
def test_forward_matches_torch(name):
    torch = pytest.importorskip("torch")
    if name in NO_TORCH_FUNCTION:
        pytest.skip(f"{name}: no functional form in torch; see NO_TORCH_FUNCTION")
    ours, args, kwargs = forward(name, np.random.default_rng(1))
    to_torch = lambda a: torch.from_numpy(a if a.dtype.kind in "fb" else a.astype(np.int64))  # noqa: E731
    expected = torch_references(torch)[name](*convert(args, to_torch), **kwargs)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-10, atol=1e-12)
