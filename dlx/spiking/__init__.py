"""Unsupervised spike-timing-dependent plasticity (the ``stdp`` experiment kind).

The spiking layers trained by surrogate gradients live in ``dlx.nn.spiking`` and ``dlx.ops.spiking``;
this package holds what is not gradient training: the STDP network and rule (``stdp``), its
learner for the one trainer (``learner``), its config schema (``settings``), run and plots.
"""
