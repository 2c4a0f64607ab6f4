"""Gradient descent: plain SGD, momentum, Nesterov accelerated gradient (notes, "Optimierungsalgorithmen").

Plain, full-batch, batch and mini-batch gradient descent share one rule,
``theta = theta - lr * g``; they differ only in how many examples the loss
(and so ``g``) averages over, which is the data loader's business.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError
from dlx.optim.optimizer import Optimizer, check_number
from dlx.registry import optimisers


@optimisers.register("sgd")
class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum.

    Update rule, with ``g`` the gradient after clipping and weight decay:

    - ``momentum == 0``: :math:`\theta \leftarrow \theta - \eta g`
    - momentum (the notes' form): :math:`v \leftarrow \mu v + \eta g`, :math:`\theta \leftarrow \theta - v`
    - Nesterov: :math:`v \leftarrow \mu v + \eta g`, :math:`\theta \leftarrow \theta - (\mu v + \eta g)`
      (see :class:`Nesterov` for why this is the notes' look-ahead rule).

    The velocity ``v`` carries the learning rate (the notes' form). PyTorch keeps
    ``b = \mu b + g`` and steps by ``\eta b``; for a constant learning rate the two are
    the same (``v = \eta b``); when a schedule changes ``\eta``, the notes' form lets the
    old velocity decay at its old scale instead of rescaling it at once.

    Args:
        params (iterable of Parameter): parameters to update.
        lr (float, default 0.01): learning rate :math:`\eta`.
        momentum (float, default 0.0): :math:`\mu` in [0, 1).
        nesterov (bool, default False): Nesterov accelerated gradient (needs momentum > 0).
        weight_decay, clip_norm, clip_value: see :class:`Optimizer`.

    Example::

        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    buffer_names = ("velocity",)

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0, clip_norm: float | None = None,
                 clip_value: float | None = None):
        super().__init__(params, lr, weight_decay, clip_norm, clip_value)
        self.momentum = check_number(self.name(), "momentum", momentum, 0.0, 1.0)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise ConfigError(f"{self.name()}: nesterov must be true or false, got {nesterov!r}")
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0.0:
            raise ConfigError(f"{self.name()}: nesterov=True needs momentum in (0, 1), got momentum=0; "
                              f"set momentum (e.g. 0.9) or nesterov=False")

    def update(self, index: int, param, grad: np.ndarray) -> None:
        step = self.scratch(index, param.data)
        np.multiply(grad, self._lr, out=step)     # eta * g
        if self.momentum == 0.0:
            param.data -= step
            return
        velocity = self.buffer(index, "velocity", param.data)
        velocity *= self.momentum
        velocity += step                          # v = mu v + eta g
        if self.nesterov:
            step += self.momentum * velocity      # mu v + eta g
            param.data -= step
        else:
            param.data -= velocity


@optimisers.register("momentum")
class Momentum(SGD):
    r"""Gradient descent with momentum (Polyak's heavy ball), as the notes write it.

    Update rule: :math:`v_t = \gamma v_{t-1} + \eta \nabla J(\theta)`, :math:`\theta \leftarrow \theta - v_t`.

    The velocity accumulates past steps, so directions in which the gradient keeps
    its sign speed up and oscillating directions (a ravine's walls) cancel. Equal to
    ``torch.optim.SGD(momentum=gamma)`` for a constant learning rate (see :class:`SGD`).

    Args:
        params (iterable of Parameter): parameters to update.
        lr (float, default 0.01): learning rate :math:`\eta`.
        gamma (float, default 0.9): momentum :math:`\gamma` in [0, 1).
        weight_decay, clip_norm, clip_value: see :class:`Optimizer`.

    Example::

        >>> opt = Momentum(model.parameters(), lr=0.01, gamma=0.9)
    """

    def __init__(self, params, lr: float = 0.01, gamma: float = 0.9, weight_decay: float = 0.0,
                 clip_norm: float | None = None, clip_value: float | None = None):
        self.gamma = check_number(self.name(), "gamma", gamma, 0.0, 1.0)
        super().__init__(params, lr, momentum=gamma, weight_decay=weight_decay,
                         clip_norm=clip_norm, clip_value=clip_value)


@optimisers.register("nesterov", "nag")
class Nesterov(SGD):
    r"""Nesterov accelerated gradient: momentum that looks ahead before it steps.

    Update rule (the notes'), with the gradient at the look-ahead point:
    :math:`v_t = \gamma v_{t-1} + \eta \nabla J(\theta_{t-1} - \gamma v_{t-1})`,
    :math:`\theta_t = \theta_{t-1} - v_t`.

    Implemented form (Bengio et al. 2012; Sutskever et al. 2013), which needs only the
    gradient at the stored parameters :math:`\phi`:
    :math:`v_t = \gamma v_{t-1} + \eta \nabla J(\phi_{t-1})`,
    :math:`\phi_t = \phi_{t-1} - (\gamma v_t + \eta \nabla J(\phi_{t-1}))`.

    Why it is the same: store :math:`\phi = \theta - \gamma v`, the look-ahead point. Then
    :math:`\phi_t = \theta_t - \gamma v_t = \phi_{t-1} + \gamma v_{t-1} - v_t - \gamma v_t`
    and, since :math:`v_t - \gamma v_{t-1} = \eta \nabla J(\phi_{t-1})`, this is the rule
    above. With :math:`v_0 = 0`, :math:`\phi_0 = \theta_0`; the stored parameters are the
    notes' look-ahead points, which approach :math:`\theta` as :math:`v \to 0`. It is also
    ``torch.optim.SGD(momentum=gamma, nesterov=True)`` for a constant learning rate.

    Args:
        params (iterable of Parameter): parameters to update.
        lr (float, default 0.01): learning rate :math:`\eta`.
        gamma (float, default 0.9): momentum :math:`\gamma` in (0, 1).
        weight_decay, clip_norm, clip_value: see :class:`Optimizer`.

    Example::

        >>> opt = Nesterov(model.parameters(), lr=0.01, gamma=0.9)
    """

    def __init__(self, params, lr: float = 0.01, gamma: float = 0.9, weight_decay: float = 0.0,
                 clip_norm: float | None = None, clip_value: float | None = None):
        self.gamma = check_number(self.name(), "gamma", gamma, 0.0, 1.0, low_open=True)
        super().__init__(params, lr, momentum=gamma, nesterov=True, weight_decay=weight_decay,
                         clip_norm=clip_norm, clip_value=clip_value)
