"""The conventions `nnlib.module.Module` gives every layer: one dtype rule, inputs converted or
refused with a clear message, integer seeds wherever an `rng` is, a PyTorch-like repr."""

import inspect

import numpy as np
import pytest

import nnlib
from nnlib import autoencoder, conv, data, gradcheck, init, losses, optim, search, train
from nnlib import layers as L

# Every layer that has parameters: factory(dtype) -> (module, input shape).
WITH_PARAMETERS = {
    "Dense": (lambda dt: L.Dense(4, 3, rng=0, dtype=dt), (5, 4)),
    "Linear": (lambda dt: L.Linear(4, 3, rng=0, dtype=dt), (5, 4)),
    "DropConnect": (lambda dt: L.DropConnect(4, 3, p=0.3, rng=0, dtype=dt), (5, 4)),
    "PReLU": (lambda dt: L.PReLU(4, dtype=dt), (5, 4)),
    "BatchNorm1d": (lambda dt: L.BatchNorm1d(4, dtype=dt), (5, 4)),
    "Conv2d": (lambda dt: conv.Conv2d(2, 3, padding=1, rng=0, dtype=dt), (2, 2, 5, 5)),
    "Autoencoder": (lambda dt: autoencoder.Autoencoder(4, 2, 0.1, 0.5, rng=0, dtype=dt), (5, 4)),
    "Sequential": (
        lambda dt: L.Sequential(L.Dense(4, 6, rng=0, dtype=dt), L.ReLU(),
                                L.Dense(6, 2, rng=1, dtype=dt)),
        (5, 4),
    ),
}  # fmt: skip

# A float input of the other precision: the parameters' dtype names the rule's two sides.
OTHER = {np.float32: np.float64, np.float64: np.float32}


def _integers(shape):
    return np.random.default_rng(3).integers(-2, 3, size=shape)


WITHOUT_PARAMETERS = {
    "Activation", "ArcTan", "BinaryStep", "ELU", "Flatten", "ISRU", "Identity", "LeakyReLU",
    "ReLU", "Sigmoid", "Softmax", "Softplus", "Softsign", "Tanh", "Dropout", "MaxPool2d",
    "Unflatten",
}  # fmt: skip


def test_every_nnlib_module_class_is_listed_with_or_without_parameters():
    """A new layer must join WITH_PARAMETERS (the dtype rule is then proved for it) or
    WITHOUT_PARAMETERS."""
    classes = {
        name
        for module in (L, conv, autoencoder)
        for name, cls in vars(module).items()
        if inspect.isclass(cls) and issubclass(cls, nnlib.Module) and cls is not nnlib.Module
    }
    assert classes == set(WITH_PARAMETERS) | WITHOUT_PARAMETERS


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(WITH_PARAMETERS))
def test_a_float_input_of_the_parameters_dtype_stays_in_that_dtype(name, dtype):
    make, shape = WITH_PARAMETERS[name]
    module = make(dtype)
    x = np.random.default_rng(1).normal(size=shape).astype(dtype)
    y = module(x)
    grad_in = module.backward(np.ones_like(y))
    assert y.dtype == dtype and grad_in.dtype == dtype
    assert all(p.data.dtype == dtype and p.grad.dtype == dtype for p in module.parameters())


@pytest.mark.parametrize("name", list(WITH_PARAMETERS))
def test_named_parameters_names_every_parameter_once(name):
    module = WITH_PARAMETERS[name][0](np.float64)
    named = module.named_parameters()
    assert [id(p) for _, p in named] == [id(p) for p in module.parameters()]
    assert len({n for n, _ in named}) == len(named)


# What PyTorch's `named_parameters()` reports for the same architecture (a fact about PyTorch,
# from its documentation: nn.Linear and nn.Conv2d hold `weight` and `bias`; nn.BatchNorm1d's
# gamma and beta are its `weight` and `bias`; nn.PReLU's a is `weight`; nn.Sequential names
# a child by its index; a sub-module attribute prefixes its name).
# https://docs.pytorch.org/docs/stable/generated/torch.nn.Linear.html (Variables)
# https://docs.pytorch.org/docs/stable/generated/torch.nn.PReLU.html (Variables: weight)
# https://docs.pytorch.org/docs/stable/generated/torch.nn.BatchNorm1d.html
# https://docs.pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.named_parameters
# DropConnect is a Linear-shaped layer; the Autoencoder is encoder = Sequential(Linear, Sigmoid)
# and decoder = Sequential(Linear, Sigmoid).
PYTORCH_NAMES = {
    "Dense": ["weight", "bias"],  # nn.Linear
    "Linear": ["weight", "bias"],
    "DropConnect": ["weight", "bias"],
    "PReLU": ["weight"],
    "BatchNorm1d": ["weight", "bias"],
    "Conv2d": ["weight", "bias"],
    "Autoencoder": ["encoder.0.weight", "encoder.0.bias", "decoder.0.weight", "decoder.0.bias"],
    "Sequential": ["0.weight", "0.bias", "2.weight", "2.bias"],  # Linear, ReLU, Linear
}


@pytest.mark.parametrize("name", list(WITH_PARAMETERS))
def test_parameter_names_are_pytorchs_for_the_same_architecture(name):
    module = WITH_PARAMETERS[name][0](np.float64)
    assert [n for n, _ in module.named_parameters()] == PYTORCH_NAMES[name]


def test_every_layer_with_parameters_has_its_pytorch_names_listed():
    assert set(PYTORCH_NAMES) == set(WITH_PARAMETERS)


def test_a_parameter_has_no_second_name_of_its_own():
    """One scheme: a name is where a module stores the parameter (`named_parameters`)."""
    layer = L.Dense(2, 3, rng=0)
    assert not hasattr(layer.weight, "name")
    assert "name" not in repr(layer.weight)
    with pytest.raises(TypeError):
        L.Parameter(np.zeros(2), name="w")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(WITH_PARAMETERS))
def test_a_float_input_of_another_dtype_is_a_type_error_naming_both(name, dtype):
    make, shape = WITH_PARAMETERS[name]
    module = make(dtype)
    other = OTHER[dtype]
    x = np.zeros(shape, dtype=other)
    with pytest.raises(TypeError) as error:
        module(x)
    message = str(error.value)
    assert np.dtype(dtype).name in message and np.dtype(other).name in message
    assert all(not p.grad.any() for p in module.parameters())  # nothing was computed


@pytest.mark.parametrize("integer_dtype", [np.int64, np.int32, np.uint8, np.bool_])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(WITH_PARAMETERS))
def test_an_integer_input_is_converted_to_the_parameters_dtype(name, dtype, integer_dtype):
    make, shape = WITH_PARAMETERS[name]
    module = make(dtype).eval()  # deterministic: compare two calls
    x = _integers(shape).astype(integer_dtype)
    y = module(x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, module(x.astype(dtype)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layers_without_parameters_keep_a_float_dtype_and_make_integers_float64(dtype):
    for module in [L.ReLU(), L.Tanh(), L.Sigmoid(), L.ELU(), L.Softmax(), L.Dropout(0.5, rng=0),
                   L.Flatten(), conv.MaxPool2d(), conv.Unflatten((2, 2))]:  # fmt: skip
        x = np.random.default_rng(0).normal(size=(3, 4, 4)).astype(dtype)
        if isinstance(module, conv.Unflatten):
            x = x.reshape(3, 16)[:, :4]
        y = module(x)
        assert y.dtype == dtype, module
        assert module.backward(np.ones_like(y)).dtype == dtype, module
        assert module(x.astype(np.int64)).dtype == np.float64, module


def test_an_integer_input_to_a_float32_model_starting_without_parameters_becomes_float32():
    model = L.Sequential(L.Flatten(), L.Dense(4, 2, rng=0, dtype=np.float32))
    assert model(np.ones((3, 2, 2), dtype=np.int64)).dtype == np.float32


def test_batchnorm_keeps_its_eps_for_an_integer_input():
    """x.dtype.type(eps) made eps 0 for integers: a constant feature gave inf."""
    bn = L.BatchNorm1d(2)
    y = bn(np.array([[1, 2], [1, 4]]))
    assert np.all(np.isfinite(y))
    assert y[:, 0] == pytest.approx([0.0, 0.0])
    assert y[1, 1] == pytest.approx(1 / np.sqrt(1 + 1e-5))


def test_a_list_input_is_converted():
    layer = L.Dense(2, 3, rng=0)
    np.testing.assert_array_equal(layer([[1.0, 2.0]]), layer(np.array([[1.0, 2.0]])))
    assert L.Sequential(L.ReLU(), L.Dense(2, 1, rng=0))([[1, -2], [3, 4]]).shape == (2, 1)


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("abc", "str"),
        ([[1.0], [1.0, 2.0]], "list"),
        (np.array(["a", "b"]), "<U1"),
        (None, "NoneType"),
    ],
)
def test_a_non_numeric_input_is_a_type_error_naming_what_came(bad, named):
    with pytest.raises(TypeError, match="numeric array") as error:
        L.Dense(2, 3, rng=0)(bad)
    assert named in str(error.value)


# --- seeds ------------------------------------------------------------------------------------

SEEDED = {
    "Dense": lambda rng: L.Dense(5, 4, rng=rng).weight.data,
    "Linear": lambda rng: L.Linear(5, 4, rng=rng).weight.data,
    "DropConnect": lambda rng: L.DropConnect(5, 4, rng=rng)(np.ones((2, 5))),
    "Dropout": lambda rng: L.Dropout(0.5, rng=rng)(np.ones((4, 6))),
    "Conv2d": lambda rng: conv.Conv2d(1, 2, rng=rng).weight.data,
    "Autoencoder": lambda rng: autoencoder.Autoencoder(6, 3, rng=rng).encoder_weight,
    "init.he_normal": lambda rng: init.he_normal((3, 4), rng),
    "data.moons": lambda rng: data.moons(10, rng=rng)[0],
    "search.sample": lambda rng: search.sample({"lr": (1e-4, 1e-1)}, 3, rng=rng)[0]["lr"],
}


@pytest.mark.parametrize("name", list(SEEDED))
def test_an_integer_seed_is_accepted_and_means_default_rng_of_it(name):
    draw = SEEDED[name]
    np.testing.assert_array_equal(draw(7), draw(np.random.default_rng(7)))
    assert not np.array_equal(draw(7), draw(8))


def test_a_seeded_autoencoder_draws_its_two_layers_differently():
    model = autoencoder.Autoencoder(4, 4, rng=0)
    assert not np.array_equal(model.encoder[0].weight.data, model.decoder[0].weight.data)


def test_a_bad_rng_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="rng must be .* got str"):
        L.Dropout(0.5, rng="seed")


def test_every_rng_parameter_of_the_public_api_takes_a_seed():
    """Each documented `rng` parameter is annotated RNGLike (Generator, int seed or None)."""
    found = []
    for module in (L, conv, autoencoder, init, data, train, search, gradcheck):
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            target = obj.__init__ if inspect.isclass(obj) else obj
            if not callable(target):
                continue
            try:
                parameter = inspect.signature(target).parameters.get("rng")
            except (TypeError, ValueError):
                continue
            if parameter is not None and parameter.annotation is not inspect.Parameter.empty:
                found.append((f"{module.__name__}.{name}", parameter.annotation))
    assert len(found) >= 15
    assert [n for n, annotation in found if annotation != "RNGLike"] == []


# --- repr -------------------------------------------------------------------------------------


def test_repr_is_pytorchs_nested_form():
    model = L.Sequential(
        L.Dense(2, 8, rng=0), L.ReLU(), L.Dropout(0.1), L.BatchNorm1d(8), L.LeakyReLU(0.2),
        L.Linear(8, 1, rng=0),
    )  # fmt: skip
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Dense(in_features=2, out_features=8, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.1)\n"
        "  (3): BatchNorm1d(8, eps=1e-05, momentum=0.1)\n"
        "  (4): LeakyReLU(negative_slope=0.2)\n"
        "  (5): Linear(in_features=8, out_features=1, bias=True)\n"
        ")"
    )


ACTIVATION_LAYERS = [L.ReLU, L.Tanh, L.Sigmoid, L.LeakyReLU, L.ELU, L.ISRU, L.Softplus, L.Softsign,
                     L.ArcTan, L.BinaryStep]  # fmt: skip


@pytest.mark.parametrize("layer", ACTIVATION_LAYERS)
def test_an_activation_prints_as_its_layer_however_it_was_built(layer):
    assert repr(L.Activation(layer.function)) == repr(layer())
    assert repr(L.Activation(layer().fn)) == repr(layer())


def test_every_activation_layer_is_listed():
    found = {cls for cls in vars(L).values() if inspect.isclass(cls)
             and issubclass(cls, L.Activation) and cls is not L.Activation}  # fmt: skip
    assert found == set(ACTIVATION_LAYERS)


def test_mlp_prints_as_the_sequential_written_out():
    built = L.mlp([2, 3, 1], activation="relu", rng=0)
    written = L.Sequential(L.Dense(2, 3, rng=0), L.ReLU(), L.Dense(3, 1, rng=0))
    assert repr(built) == repr(written)
    assert repr(L.Activation("leaky_relu")) == "LeakyReLU(negative_slope=0.01)"
    assert repr(L.Activation("identity")) == "Identity()"


def test_repr_nests_sub_modules_by_attribute_name():
    text = repr(autoencoder.Autoencoder(4, 2, rng=0))
    assert text.startswith("Autoencoder(\n  sparsity_target=0.05, sparsity_weight=0.0\n")
    assert "  (encoder): Sequential(\n    (0): Dense(in_features=4, out_features=2" in text
    assert "  (decoder): Sequential(\n" in text and text.endswith("\n  )\n)")


def test_no_module_prints_as_an_object_address():
    modules = [make(np.float64) for make, _ in WITH_PARAMETERS.values()] + [
        L.ReLU(), L.Tanh(), L.Sigmoid(), L.Identity(), L.ELU(), L.Softplus(), L.Softsign(),
        L.ArcTan(), L.ISRU(), L.BinaryStep(), L.Softmax(), L.Flatten(), L.Activation("prelu"),
        conv.MaxPool2d(), conv.Unflatten((1, 2)),
    ]  # fmt: skip
    for module in modules:
        assert " object at 0x" not in repr(module)
        assert repr(module).startswith(type(module).__name__ + "(")


# Every optimizer, schedule and loss, built with settings that differ from the defaults, and what
# its repr must then show (each hyper-parameter as `name=value`, as PyTorch's modules print).
def _params():
    return L.Dense(2, 2, rng=0).parameters()


SETTINGS_REPR = {
    "SGD": (lambda: optim.SGD(_params(), lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01),
            ["lr=0.1", "momentum=0.9", "dampening=0.2", "weight_decay=0.01", "nesterov=False"]),
    "Momentum": (lambda: optim.Momentum(_params(), lr=0.2, gamma=0.8), ["lr=0.2", "gamma=0.8"]),
    "RMSProp": (lambda: optim.RMSProp(_params(), lr=0.3, alpha=0.9, eps=1e-6, weight_decay=0.1),
                ["lr=0.3", "alpha=0.9", "eps=1e-06", "weight_decay=0.1"]),
    "Adam": (lambda: optim.Adam(_params(), lr=0.4, betas=(0.8, 0.99), bias_correction=False),
             ["lr=0.4", "betas=(0.8, 0.99)", "eps=1e-08", "bias_correction=False"]),
    "AdamW": (lambda: optim.AdamW(_params(), lr=0.5, weight_decay=0.2, betas=(0.7, 0.9)),
              ["lr=0.5", "weight_decay=0.2", "betas=(0.7, 0.9)", "eps=1e-08"]),
    "LBFGS": (lambda: optim.LBFGS(_params(), lr=0.6, history_size=5, max_iter=7),
              ["lr=0.6", "history_size=5", "max_iter=7", "c1=0.0001"]),
    "StepSchedule": (lambda: optim.StepSchedule(0.1, milestones=[3, 6], gamma=0.5),
                     ["base_lr=0.1", "milestones=[3, 6]", "gamma=0.5"]),
    "CosineSchedule": (lambda: optim.CosineSchedule(0.2, T_max=9, eta_min=0.01),
                       ["base_lr=0.2", "T_max=9", "eta_min=0.01"]),
    "LinearSchedule": (lambda: optim.LinearSchedule(0.3, T_max=10, warmup=2, end_factor=0.1),
                       ["base_lr=0.3", "T_max=10", "warmup=2", "end_factor=0.1"]),
    "InverseSqrtSchedule": (lambda: optim.InverseSqrtSchedule(0.4, warmup=3),
                            ["base_lr=0.4", "warmup=3"]),
    "GaussianNLLLoss": (lambda: losses.GaussianNLLLoss(full=True, eps=1e-3),
                        ["full=True", "eps=0.001"]),
    "MSELoss": (losses.MSELoss, []),
    "BCELoss": (losses.BCELoss, []),
    "BCEWithLogitsLoss": (losses.BCEWithLogitsLoss, []),
    "CrossEntropyLoss": (losses.CrossEntropyLoss, []),
    "HingeLoss": (losses.HingeLoss, []),
}  # fmt: skip


def test_every_optimizer_schedule_and_loss_is_listed_for_its_repr():
    bases = (optim.Optimizer, optim.LRScheduler, losses.Loss)
    classes = {
        name
        for module in (optim, losses)
        for name, cls in vars(module).items()
        if inspect.isclass(cls) and issubclass(cls, bases) and cls not in bases
    }
    assert classes == set(SETTINGS_REPR)


@pytest.mark.parametrize("name", list(SETTINGS_REPR))
def test_repr_shows_every_hyper_parameter(name):
    make, shown = SETTINGS_REPR[name]
    text = repr(make())
    assert text.startswith(f"{name}(") and text.endswith(")")
    assert [s for s in shown if s not in text] == []
    assert "params" not in text and " object at 0x" not in text
