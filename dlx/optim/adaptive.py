"""Optimisers with a learning rate per weight: Adagrad, Adadelta, RMSProp, Adam.

Each keeps running statistics of the gradient per parameter and divides the
step by a root of the squared-gradient statistic. Updates run in place with a
reused work array, so a step allocates no parameter-sized temporaries.
"""
from __future__ import annotations

import math

import numpy as np

from dlx.optim.optimizer import Optimizer, check_number
from dlx.registry import optimisers


@optimisers.register("adagrad")
class Adagrad(Optimizer):
    r"""Adagrad: divides each weight's step by the root of its summed squared gradients.

    Update rule (Duchi et al. 2011; as ``torch.optim.Adagrad`` with default arguments):
    :math:`G \leftarrow G + g^2`, :math:`\theta \leftarrow \theta - \eta\, g / (\sqrt{G} + \epsilon)`.

    Rarely updated weights keep large steps; the rate of every weight only shrinks.

    Args:
        params (iterable of Parameter): parameters to update.
        lr (float, default 0.01): learning rate :math:`\eta`.
        eps (float, default 1e-8): :math:`\epsilon` > 0, added to the root.
        weight_decay, clip_norm, clip_value: see :class:`Optimizer`.

    Example::

        >>> opt = Adagrad(model.parameters(), lr=0.1)   # min-char-rnn's setting
    """

    buffer_names = ("square_sum",)

    def __init__(self, params, lr: float = 0.01, eps: float = 1e-8, weight_decay: float = 0.0,
                 clip_norm: float | None = None, clip_value: float | None = None):
        super().__init__(params, lr, weight_decay, clip_norm, clip_value)
        self.eps = check_number(self.name(), "eps", eps, 0.0, low_open=True)

    def update(self, index: int, param, grad: np.ndarray) -> None:
        square_sum = self.buffer(index, "square_sum", param.data)
        work = self.scratch(index, param.data)
        np.multiply(grad, grad, out=work)
        square_sum += work                        # G += g^2
        np.sqrt(square_sum, out=work)
        work += self.eps                          # sqrt(G) + eps
        np.divide(grad, work, out=work)
        work *= self._lr
        param.data -= work


@optimisers.register("adadelta")
class Adadelta(Optimizer):
    r"""Adadelta: step size from the ratio of running RMS of past steps and of gradients.

    Update rule (Zeiler 2012, Algorithm 1; ``lr`` multiplies the step as in
    ``torch.optim.Adadelta``, so ``lr=1`` is the paper):

    .. math::
        E[g^2] &\leftarrow \rho E[g^2] + (1 - \rho) g^2 \\
        \Delta &= -\frac{\sqrt{E[\Delta^2] + \epsilon}}{\sqrt{E[g^2] + \epsilon}}\, g \\
        E[\Delta^2] &\leftarrow \rho E[\Delta^2] + (1 - \rho) \Delta^2 \\
        \theta &\leftarrow \theta + \eta \Delta

    Args:
        params (iterable of Parameter): parameters to update.
        lr (float, default 1.0): factor :math:`\eta` on the step.
        rho (float, default 0.9): decay :math:`\rho` of both running averages, in [0, 1).
        eps (float, default 1e-6): :math:`\epsilon` > 0 inside both roots.
        weight_decay, clip_norm, clip_value: see :class:`Optimizer`.

    Example::

        >>> opt = Adadelta(model.parameters())
    """

    buffer_names = ("square_avg", "delta_avg")

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, clip_norm: float | None = None,
                 clip_value: float | None = None):
        super().__init__(params, lr, weight_decay, clip_norm, clip_value)
        self.rho = check_number(self.name(), "rho", rho, 0.0, 1.0)
        self.eps = check_number(self.name(), "eps", eps, 0.0, low_open=True)

    def update(self, index: int, param, grad: np.ndarray) -> None:
        rho, eps = self.rho, self.eps
        square_avg = self.buffer(index, "square_avg", param.data)
        delta_avg = self.buffer(index, "delta_avg", param.data)
        work = self.scratch(index, param.data)
        delta = self.scratch(index, param.data, slot=1)
        square_avg *= rho
        np.multiply(grad, grad, out=work)
        work *= 1.0 - rho
        square_avg += work                        # E[g^2]
        np.add(square_avg, eps, out=work)
        np.add(delta_avg, eps, out=delta)
        delta /= work
        np.sqrt(delta, out=delta)
        delta *= grad                             # -Delta = RMS[Delta] / RMS[g] * g
        delta_avg *= rho
        np.multiply(delta, delta, out=work)
        work *= 1.0 - rho
        delta_avg += work                         # E[Delta^2]
        delta *= self._lr
        param.data -= delta


@optimisers.register("rmsprop")
class RMSProp(Optimizer):
    r"""RMSProp: divides the step by the root of a running mean of squared gradients.

    Update rule, as the notes write it (epsilon inside the root):
    :math:`E[g^2] \leftarrow \gamma E[g^2] + (1 - \gamma) g^2`,
    :math:`\theta \leftarrow \theta - \eta\, g / \sqrt{E[g^2] + \epsilon}`.

    ``torch.optim.RMSprop`` calls :math:`\gamma` ``alpha`` and puts its ``eps`` outside
    the root, :math:`\sqrt{E[g^2]} + \epsilon`; the two agree when :math:`\epsilon` is
    negligible next to :math:`E[g^2]`.

    Args:
        params (iterable of Parameter): parameters to update.
        lr (float, default 0.001): learning rate :math:`\eta` (the notes' typical value).
        gamma (float, default 0.9): decay :math:`\gamma` in [0, 1) (the notes' typical value).
        eps (float, default 1e-8): :math:`\epsilon` > 0 inside the root.
        weight_decay, clip_norm, clip_value: see :class:`Optimizer`.

    Example::

        >>> opt = RMSProp(model.parameters(), lr=0.001, gamma=0.9)
    """

    buffer_names = ("square_avg",)

    def __init__(self, params, lr: float = 0.001, gamma: float = 0.9, eps: float = 1e-8,
                 weight_decay: float = 0.0, clip_norm: float | None = None,
                 clip_value: float | None = None):
        super().__init__(params, lr, weight_decay, clip_norm, clip_value)
        self.gamma = check_number(self.name(), "gamma", gamma, 0.0, 1.0)
        self.eps = check_number(self.name(), "eps", eps, 0.0, low_open=True)

    def update(self, index: int, param, grad: np.ndarray) -> None:
        square_avg = self.buffer(index, "square_avg", param.data)
        work = self.scratch(index, param.data)
        square_avg *= self.gamma
        np.multiply(grad, grad, out=work)
        work *= 1.0 - self.gamma
        square_avg += work                        # E[g^2]
        np.add(square_avg, self.eps, out=work)
        np.sqrt(work, out=work)
        np.divide(grad, work, out=work)
        work *= self._lr
        param.data -= work


@optimisers.register("adam")
class Adam(Optimizer):
    r"""Adam: running estimates of the gradient's first and second moments, bias-corrected.

    Update rule (Kingma & Ba 2015, Algorithm 1), with :math:`t` the number of updates
    of this parameter:

    .. math::
        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \hat m &= m / (1 - \beta_1^t), \qquad \hat v = v / (1 - \beta_2^t) \\
        \theta &\leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)

    The notes write :math:`\sqrt{\hat v + \epsilon}`; this class follows the paper and
    ``torch.optim.Adam`` (epsilon outside the root), so results compare with both.
    ``weight_decay`` is the coupled L2 of ``torch.optim.Adam`` (not AdamW).

    Args:
        params (iterable of Parameter): parameters to update.
        lr (float, default 0.001): learning rate :math:`\eta`.
        beta1 (float, default 0.9): decay of the first moment, in [0, 1).
        beta2 (float, default 0.999): decay of the second moment, in [0, 1).
        eps (float, default 1e-8): :math:`\epsilon` > 0.
        weight_decay, clip_norm, clip_value: see :class:`Optimizer`.

    Example::

        >>> opt = Adam(model.parameters(), lr=1e-3)
    """

    buffer_names = ("m", "v", "step")
    counter_names = ("step",)

    def __init__(self, params, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0, clip_norm: float | None = None,
                 clip_value: float | None = None):
        super().__init__(params, lr, weight_decay, clip_norm, clip_value)
        self.beta1 = check_number(self.name(), "beta1", beta1, 0.0, 1.0)
        self.beta2 = check_number(self.name(), "beta2", beta2, 0.0, 1.0)
        self.eps = check_number(self.name(), "eps", eps, 0.0, low_open=True)

    def update(self, index: int, param, grad: np.ndarray) -> None:
        beta1, beta2 = self.beta1, self.beta2
        t = self._count_update(index)
        m = self.buffer(index, "m", param.data)
        v = self.buffer(index, "v", param.data)
        work = self.scratch(index, param.data)
        m *= beta1
        np.multiply(grad, 1.0 - beta1, out=work)
        m += work                                 # m = b1 m + (1 - b1) g
        v *= beta2
        np.multiply(grad, grad, out=work)
        work *= 1.0 - beta2
        v += work                                 # v = b2 v + (1 - b2) g^2
        # eta m_hat / (sqrt(v_hat) + eps) = (eta / c1) m / (sqrt(v) / sqrt(c2) + eps)
        np.sqrt(v, out=work)
        work *= 1.0 / math.sqrt(1.0 - beta2 ** t)
        work += self.eps
        np.divide(m, work, out=work)
        work *= self._lr / (1.0 - beta1 ** t)
        param.data -= work

    def _count_update(self, index: int) -> int:
        """Per-parameter update count t (a 0-d int64 array in the state, as torch keeps it)."""
        state = self.state[index]
        step = state.get("step")
        if step is None:
            step = state["step"] = np.zeros((), dtype=np.int64)
        step += 1
        return int(step)
