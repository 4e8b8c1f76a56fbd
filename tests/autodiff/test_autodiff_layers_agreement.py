"""The Tensor engine's gradients equal the hand-written backward() of nnlib.layers (float64).

Each layer type is re-written with Tensor operations (the mirror below); a model holding every
layer type runs forward once by hand (which draws the Dropout and DropConnect masks) and once on
Tensors reusing those masks, and all parameter and input gradients must agree to 1e-10.
"""

import numpy as np
import pytest

from nnlib import activations as act
from nnlib import layers
from nnlib.autodiff import Tensor, arctan, exp, log, relu, sigmoid, softmax, sqrt, tanh, where


def tensor_forward(layer, x, params):
    """Run ``layer`` on Tensor ``x``; ``params`` maps id(Parameter) -> its leaf Tensor."""
    p = lambda parameter: params[id(parameter)]  # noqa: E731
    if isinstance(layer, layers.Sequential):
        for sub in layer.layers:
            x = tensor_forward(sub, x, params)
        return x
    if isinstance(layer, layers.DropConnect) and layer.mask is not None:
        y = x @ (p(layer.weight) * layer.mask)
        return y + p(layer.bias) if layer.bias is not None else y
    if isinstance(layer, layers.Linear):  # PyTorch's layout, weight (out, in)
        y = x @ p(layer.weight).T
        return y + p(layer.bias) if layer.bias is not None else y
    if isinstance(layer, layers.Dense):
        y = x @ p(layer.weight)
        return y + p(layer.bias) if layer.bias is not None else y
    if isinstance(layer, layers.Dropout):
        return x if layer.mask is None else x * layer.mask
    if isinstance(layer, layers.BatchNorm1d):
        if layer.training:
            mean = x.mean(axis=0)
            var = ((x - mean) ** 2).mean(axis=0)
        else:
            mean, var = layer.running_mean, layer.running_var
        return p(layer.weight) * ((x - mean) / sqrt(var + layer.eps)) + p(layer.bias)
    if isinstance(layer, layers.PReLU):
        alpha = p(layer.weight)
        return where(x.data > 0, x, alpha * x)
    if isinstance(layer, layers.Flatten):
        return x.reshape(x.shape[0], -1)
    simple = {layers.ReLU: relu, layers.Tanh: tanh, layers.Sigmoid: sigmoid,
              layers.Identity: lambda t: t, layers.Softmax: softmax}  # fmt: skip
    if type(layer) in simple:
        return simple[type(layer)](x)
    return ACTIVATIONS[layer.fn.name](x, **layer.fn.params)


ACTIVATIONS = {
    act.leaky_relu.name: lambda x, alpha: where(x.data > 0, x, alpha * x),
    act.elu.name: lambda x, alpha: where(
        x.data > 0, x, alpha * (exp(where(x.data > 0, 0.0, x)) - 1)
    ),
    act.isru.name: lambda x, alpha: x / sqrt(1 + alpha * x * x),
    act.softplus.name: lambda x: relu(x) + log(1 + exp(-abs(x))),
    act.softsign.name: lambda x: x / (1 + abs(x)),
    act.arctan.name: arctan,
    act.binary_step.name: lambda x: Tensor(np.where(x.data >= 0, 1.0, 0.0)),
}


def every_layer_model(rng):
    return layers.Sequential(
        layers.Dense(6, 8, rng=rng), layers.BatchNorm1d(8), layers.ReLU(),
        layers.Dropout(0.3, rng=rng), layers.DropConnect(8, 8, p=0.25, rng=rng), layers.Tanh(),
        layers.Linear(8, 8, rng=rng), layers.LeakyReLU(0.1),
        layers.Dense(8, 8, rng=rng), layers.ELU(0.7),
        layers.Dense(8, 8, rng=rng), layers.PReLU(8), layers.Flatten(),
        layers.Dense(8, 8, rng=rng), layers.Softplus(),
        layers.Dense(8, 8, rng=rng), layers.Softsign(), layers.ISRU(0.5), layers.ArcTan(),
        layers.Sigmoid(), layers.Identity(), layers.Dense(8, 5, rng=rng), layers.Softmax(),
    )  # fmt: skip


def engine_and_hand_gradients(model, x, seed_grad):
    """(hand-written grads, Tensor grads) of sum(model(x) * seed_grad): params then input."""
    model.zero_grad()
    out = model(x)
    grad_x = model.backward(seed_grad)
    by_hand = [prm.grad.copy() for prm in model.parameters()] + [grad_x]

    params = {id(prm): Tensor(prm.data.copy(), requires_grad=True) for prm in model.parameters()}
    xt = Tensor(x, requires_grad=True)
    out_t = tensor_forward(model, xt, params)
    np.testing.assert_allclose(out_t.data, out, rtol=1e-13, atol=1e-14)
    (out_t * seed_grad).sum().backward()
    engine = [params[id(prm)].grad for prm in model.parameters()] + [xt.grad]
    return by_hand, engine


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_every_layer_type_engine_equals_hand_written_backward(mode):
    rng = np.random.default_rng(7)
    model = every_layer_model(rng)
    x = rng.normal(size=(16, 6))
    if mode == "eval":
        model(x)  # give BatchNorm non-trivial running statistics first
        model.eval()
    seed_grad = rng.normal(size=(16, 5))
    by_hand, engine = engine_and_hand_gradients(model, x, seed_grad)
    assert len(by_hand) == 2 * 8 + 2 + 1 + 1  # 8 dense-like layers, BN, PReLU, the input
    for hand, auto in zip(by_hand, engine, strict=True):
        np.testing.assert_allclose(auto, hand, rtol=1e-10, atol=1e-12)


def test_binary_step_passes_no_gradient_in_both():
    rng = np.random.default_rng(3)
    model = layers.Sequential(layers.Dense(4, 3, rng=rng), layers.BinaryStep(),
                              layers.Dense(3, 2, rng=rng))  # fmt: skip
    x, seed_grad = rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    by_hand, engine = engine_and_hand_gradients(model, x, seed_grad)
    for hand, auto in zip(by_hand, engine, strict=True):
        auto = np.zeros_like(hand) if auto is None else auto
        np.testing.assert_allclose(auto, hand, rtol=1e-10, atol=1e-12)
    assert np.all(by_hand[0] == 0) and np.any(by_hand[2] != 0)


def test_cross_entropy_loss_engine_equals_losses_module():
    from nnlib import losses
    from nnlib.autodiff import cross_entropy

    rng = np.random.default_rng(11)
    logits, labels = rng.normal(size=(9, 4)), rng.integers(0, 4, size=9)
    loss = losses.CrossEntropyLoss()
    value = loss(logits, labels)
    z = Tensor(logits, requires_grad=True)
    out = cross_entropy(z, labels)
    out.backward()
    assert out.item() == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(z.grad, value.backward(), rtol=1e-10, atol=1e-14)
