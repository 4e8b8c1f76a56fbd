"""Every demo of the book: a Demo with a small grid (each frame is rendered at build time), whose
default frame is a figure and whose frames differ along its grid (a frozen frame is no demo)."""

import importlib
import inspect
import io

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from nnbook.base import MAX_FRAMES, SMALLEST_TEXT_KEY, Demo  # noqa: E402

CHAPTER_MODULES = ("neurons", "backprop", "autodiff", "optimizers", "regularization",
                   "initialization", "beyond")  # fmt: skip

# "module.demo" -> (a parameter, two of its values whose frames must differ); cheap ones chosen
VARIED = {
    "neurons.activation_explorer": ("activation", ["tanh", "relu"]),
    "neurons.universal_approximation": ("hidden_units", [1, 5]),
    "neurons.decision_boundaries": ("width", [2, 8]),
    "backprop.backprop_stepper": ("step", [0, 12]),
    "backprop.error_signal_explorer": ("activation", ["sigmoid", "relu"]),
    "autodiff.trace_stepper": ("step", [0, 9]),
    "autodiff.finite_difference_explorer": ("precision", ["float64", "float32"]),
    "optimizers.optimizer_race": ("surface", ["saddle", "Rosenbrock"]),
    "optimizers.schedule_explorer": ("schedule", ["constant", "cosine"]),
    "regularization.capacity_demo": ("degree", [1, 9]),
    "regularization.dropout_weight_decay_demo": ("weight_decay", [0.0, 0.01]),
    "initialization.histogram_explorer": ("activation", ["tanh", "relu"]),
    "initialization.gradient_flow_explorer": ("gain", [0.8, 2.0]),
    "beyond.kernel_demo": ("kernel", ["sharpen", "box blur"]),
    "beyond.pooling_demo": ("kind", ["max", "average"]),
    "beyond.autoencoder_demo": ("code_size", [2, 16]),
}


def _demo_factories() -> dict[str, object]:
    """Every function of a chapter module that takes no argument and returns a Demo."""
    found = {}
    for name in CHAPTER_MODULES:
        module = importlib.import_module(f"nnbook.{name}")
        for attr, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__:
                signature = inspect.signature(fn)
                if not signature.parameters and signature.return_annotation in ("Demo", Demo):
                    found[f"{name}.{attr}"] = fn
    return found


FACTORIES = _demo_factories()


def test_every_demo_of_the_book_is_checked_here():
    assert set(FACTORIES) == set(VARIED)


@pytest.mark.parametrize("name", VARIED)
def test_demo_is_a_small_grid_whose_frames_are_figures_and_differ(name):
    demo = FACTORIES[name]()
    assert isinstance(demo, Demo)
    assert 2 <= demo.n_frames <= MAX_FRAMES, "every frame is rendered at build time"
    figure = demo.figure()
    assert isinstance(figure, Figure) and figure.axes
    param, (a, b) = VARIED[name]
    assert demo.frame_png(**{param: a}) != demo.frame_png(**{param: b})


PHONE_COLUMN_PX = 358  # a 390 px phone less the page's margins


@pytest.mark.parametrize("name", VARIED)
def test_demo_has_a_portrait_frame_whose_texts_a_phone_can_read(name):
    """The frame a phone is sent (rendered as the build renders it, after the wide one): its
    smallest text at least 11 px once the frame is scaled to the phone's column."""
    _, narrow = FACTORIES[name]().frame_pngs()
    assert narrow is not None, "no portrait frame: a phone would shrink the wide one"
    with Image.open(io.BytesIO(narrow)) as image:
        smallest, width = float(image.text[SMALLEST_TEXT_KEY]), image.size[0]
    assert smallest * PHONE_COLUMN_PX / width >= 11
