"""Progressive networks: gradients through the lateral adapters, earlier columns frozen and exactly unchanged by
training the new one, and the fine-tuning baseline that shares (and so changes) its one network."""
import numpy as np

from dlx.nn.progressive import ProgressiveNet
from dlx.optim import SGD
from dlx.tensor import Tensor, gradcheck


def swapped(net, values: dict):
    """Point the parameters named in ``values`` at the given tensors (through lists and dicts of modules);
    returns what restores them."""
    originals = []
    for dotted, value in values.items():
        *path, attr = dotted.split(".")
        owner = net
        for part in path:
            owner = owner[part] if isinstance(owner, dict) else owner[int(part)] if part.isdigit() else getattr(owner, part)
        originals.append((owner, attr, getattr(owner, attr)))
        setattr(owner, attr, value)
    return originals


def two_columns(lateral=True, seed=0):
    net = ProgressiveNet([5, 4], lateral=lateral)
    rng = np.random.default_rng(seed)
    net.add_task(3, 2, rng)
    net.add_task(3, 2, rng)
    for p in net.parameters():
        p.data = p.data.astype(np.float64)
    return net


def test_gradients_of_the_new_column_and_its_laterals(rng):
    net = two_columns()
    trainable = [p for p in net.parameters() if not p.frozen]
    assert len(trainable) == 6 + 2  # column 2: 3 dense layers with bias; adapters into hidden layer 2 and the head
    x = rng.standard_normal((4, 3))
    names = {id(p): n for n, p in net.named_parameters()}

    def by_name(x, *values):
        originals = swapped(net, dict(zip([names[id(p)] for p in trainable], values)))
        try:
            return net(x, task=1)
        finally:
            for owner, attr, value in originals:
                setattr(owner, attr, value)

    assert gradcheck(by_name, [x, *[p.data.copy() for p in trainable]]) < 1e-6


def test_training_the_new_column_leaves_task_one_exactly_unchanged(rng):
    net = two_columns()
    x, y = Tensor(rng.standard_normal((6, 3))), rng.integers(0, 2, 6)
    before = net(x, task=0).data.copy()
    optimiser = SGD([p for p in net.parameters() if not p.frozen], lr=0.5)
    for _ in range(3):
        optimiser.zero_grad()
        net(x, task=1).sum().backward()
        optimiser.step()
    np.testing.assert_array_equal(net(x, task=0).data, before)
    assert all(p.frozen for p in net.columns[0].parameters())


def test_fine_tuning_shares_one_network(rng):
    net = two_columns(lateral=False)
    assert len(net.columns) == 1 and net.heads[0] is net.heads[1]
    x = Tensor(rng.standard_normal((6, 3)))
    before = net(x, task=0).data.copy()
    optimiser = SGD(net.parameters(), lr=0.5)
    optimiser.zero_grad()
    net(x, task=1).sum().backward()
    optimiser.step()
    assert not np.allclose(net(x, task=0).data, before)
