"""nnlib.train: the loop takes the steps the formulas say, records them, and stops when told."""

import inspect

import numpy as np
import pytest

from nnlib import data, layers, losses, optim, train
from nnlib.module import Parameter


def constant_init(value):
    return lambda shape, rng=None: np.full(shape, value)


def test_one_full_batch_epoch_is_one_gradient_step():
    X = np.array([[1.0], [2.0], [3.0]])
    y = np.array([[1.0], [3.0], [2.0]])
    model = layers.Dense(1, 1, init=constant_init(0.5))
    history = train.fit(
        model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.1), X, y,
        epochs=1, batch_size=3, progress=False, rng=0,
    )  # fmt: skip
    residual = 0.5 * X - y  # w = 0.5, b = 0
    # MSELoss = 1/(2N) sum r^2, so dL/dw = mean(r x), dL/db = mean(r)
    assert model.weight.data[0, 0] == pytest.approx(0.5 - 0.1 * np.mean(residual * X))
    assert model.bias.data[0] == pytest.approx(-0.1 * np.mean(residual))
    assert history["loss"] == pytest.approx([np.mean(residual**2) / 2])


def test_history_records_train_validation_metrics_and_lr():
    X, y = data.blobs(n=200, centers=np.array([[-3.0, 0.0], [3.0, 0.0]]), std=0.7, rng=1)
    model = layers.Sequential(
        layers.Dense(2, 8, rng=0),
        layers.Tanh(),
        layers.Dense(8, 2, rng=1),
    )
    opt = optim.Adam(model.parameters(), lr=0.05)
    history = train.fit(
        model, losses.CrossEntropyLoss(), opt, X[:150], y[:150], epochs=6, batch_size=16,
        validation=(X[150:], y[150:]), scheduler=optim.StepSchedule(opt, step_size=2, gamma=0.5),
        metrics={"accuracy": train.accuracy}, progress=False, rng=0,
    )  # fmt: skip
    assert len(history) == 6
    assert set(history.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    np.testing.assert_allclose(history["lr"], [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125])
    assert history.train_loss[-1] < history.train_loss[0]
    assert history["val_accuracy"][-1] > 0.95
    final = train.evaluate(model, losses.CrossEntropyLoss(), X[150:], y[150:])
    assert final["loss"] == pytest.approx(history.val_loss[-1])


def test_same_seed_same_history():
    def run():
        X, y = data.moons(100, rng=0)
        model = layers.Sequential(
            layers.Dense(2, 4, rng=2),
            layers.ReLU(),
            layers.Dense(4, 2, rng=3),
        )
        return train.fit(
            model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), X, y,
            epochs=3, batch_size=10, progress=False, rng=5,
        ).train_loss  # fmt: skip

    assert run() == run()


def test_early_stopping_stops_after_patience_and_restores_best():
    w = Parameter(np.zeros(1))

    class Holder:
        def parameters(self):
            return [w]

    stopper = train.EarlyStopping(patience=2, min_delta=0.05)
    stopper.on_train_begin(Holder())
    val_losses = [1.0, 0.5, 0.48, 0.6]  # 0.48 is not better than 0.5 by more than 0.05
    stopped = []
    for epoch, value in enumerate(val_losses):
        w.data[...] = 10 * epoch
        stopped.append(stopper.on_epoch_end(epoch, {"val_loss": value}, Holder()))
    assert stopped[:4] == [False, False, False, True]  # two epochs without improvement
    assert stopper.best_epoch == 1 and stopper.stopped_epoch == 3
    stopper.on_train_end(Holder())
    assert w.data[0] == 10.0  # the weights of epoch 1


def test_fit_stops_on_callback_and_restores_best_weights():
    X, y = data.sine(20, rng=0)
    model = layers.Sequential(
        layers.Dense(1, 8, rng=0),
        layers.Tanh(),
        layers.Dense(8, 1, rng=1),
    )
    stop_at_2 = train.fit(
        model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.1), X, y, epochs=10,
        callbacks=[lambda epoch, logs: epoch == 2], progress=False, rng=0,
    )  # fmt: skip
    assert len(stop_at_2) == 3 and stop_at_2.stopped_early
    stopper = train.EarlyStopping(patience=0)
    # a validation set whose loss rises as the fit improves makes the best epoch the first one
    history = train.fit(
        model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.5), X, y, epochs=20,
        validation=(X, -y), callbacks=[stopper], progress=False, rng=0,
    )  # fmt: skip
    best = stopper.best_epoch
    assert history.stopped_early and best is not None
    restored = train.evaluate(model, losses.MSELoss(), X, -y)["loss"]
    assert restored == pytest.approx(history.val_loss[best])


def test_fit_stops_when_the_loss_is_not_finite():
    class DivergedLoss:  # stands in for a loss that overflowed
        def __call__(self, pred, y):
            return losses.LossValue(float("inf"), np.zeros(pred.shape))

    model = layers.Dense(1, 1)
    history = train.fit(
        model, DivergedLoss(), optim.SGD(model.parameters(), lr=0.1), np.ones((2, 1)),
        np.ones((2, 1)), epochs=5, batch_size=2, progress=False,
    )  # fmt: skip
    assert len(history) == 1 and history.stopped_early


def test_accuracy_multiclass_binary_and_one_hot():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 3.0], [1.0, 5.0, 0.0], [9.0, 0.0, 0.0]])
    assert train.accuracy(logits, np.array([0, 2, 0, 0])) == 0.75
    assert train.accuracy(logits, data.one_hot(np.array([0, 2, 1, 0]), 3)) == 1.0
    assert train.accuracy(np.array([[0.9], [0.2], [0.6]]), np.array([1, 1, 0])) == pytest.approx(
        1 / 3
    )
    assert train.accuracy(np.array([-1.0, 2.0]), np.array([0, 1]), threshold=0.0) == 1.0


def test_predict_uses_eval_mode_and_restores_it():
    model = layers.Sequential(layers.Dropout(0.5, rng=0))
    X = np.ones((4, 3))
    np.testing.assert_array_equal(train.predict(model, X), X)
    assert model.training
    np.testing.assert_array_equal(train.predict(model, X, batch_size=3), X)


def test_progress_is_off_in_the_book_build(monkeypatch):
    monkeypatch.delenv("NNLIB_BOOK_BUILD", raising=False)
    assert train.progress_enabled(True) and not train.progress_enabled(False)
    monkeypatch.setenv("NNLIB_BOOK_BUILD", "1")
    assert not train.progress_enabled(True)


def test_fit_rejects_bad_arguments():
    model = layers.Dense(1, 1)
    opt = optim.SGD(model.parameters())
    with pytest.raises(ValueError, match="0"):
        train.fit(model, losses.MSELoss(), opt, np.ones((2, 1)), np.ones((2, 1)), epochs=0)
    with pytest.raises(ValueError, match="3"):
        train.fit(model, losses.MSELoss(), opt, np.ones((2, 1)), np.ones((3, 1)), progress=False)


def test_fit_with_a_progress_bar_runs_and_closes_it(monkeypatch, capsys):
    monkeypatch.delenv("NNLIB_BOOK_BUILD", raising=False)
    model = layers.Dense(1, 1)
    history = train.fit(
        model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.1), np.ones((4, 1)),
        np.ones((4, 1)), epochs=3, batch_size=2, progress=True, rng=0,
    )  # fmt: skip
    assert len(history) == 3
    assert "epochs" in capsys.readouterr().err  # tqdm's description, on stderr


LOSSES_AND_TARGETS = {
    "MSELoss": (losses.MSELoss(), layers.Identity(), lambda x: x[:, :1] ** 2),
    "BCELoss": (losses.BCELoss(), layers.Sigmoid(), lambda x: (x[:, :1] > 0).astype(float)),
    "BCEWithLogitsLoss": (
        losses.BCEWithLogitsLoss(), layers.Identity(), lambda x: (x[:, :1] > 0).astype(float)
    ),
    "HingeLoss": (losses.HingeLoss(), layers.Identity(), lambda x: np.sign(x[:, :1] + 1e-9)),
    "GaussianNLLLoss": (losses.GaussianNLLLoss(), layers.Softplus(), lambda x: 1 + x[:, :1] ** 2),
    "CrossEntropyLoss": (losses.CrossEntropyLoss(), layers.Identity(), lambda x: (x[:, 0] > 0) * 1),
}  # fmt: skip


@pytest.mark.parametrize("name", list(LOSSES_AND_TARGETS))
def test_fit_trains_with_every_loss(name):
    """Every nnlib loss has the one call signature fit uses, and its gradient lowers it."""
    loss_fn, head, target = LOSSES_AND_TARGETS[name]
    X = np.random.default_rng(0).normal(size=(64, 2))
    y = target(X)
    outputs = 2 if name in ("GaussianNLLLoss", "CrossEntropyLoss") else 1  # [mean | var], 2 logits
    model = layers.Sequential(layers.Dense(2, 16, rng=0), layers.Tanh(),
                              layers.Dense(16, outputs, rng=1), head)  # fmt: skip
    history = train.fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.02), X, y,
                        epochs=30, batch_size=16, progress=False, rng=0)  # fmt: skip
    assert history.train_loss[-1] < 0.7 * history.train_loss[0]


def test_fit_full_batch_takes_the_steps_of_the_plain_loop():
    X, y = data.xor()
    y = y[:, None] * 1.0
    model, twin = layers.mlp([2, 4, 1], rng=0), layers.mlp([2, 4, 1], rng=0)
    loss_fn = losses.BCEWithLogitsLoss()
    values = train.fit_full_batch(model, loss_fn, optim.SGD(model.parameters(), lr=0.5), X, y, 5)
    opt, expected = optim.SGD(twin.parameters(), lr=0.5), []
    for _ in range(5):
        opt.zero_grad()
        loss = loss_fn(twin(X), y)
        twin.backward(loss.backward())
        expected.append(float(loss))
        opt.step()
    assert values == expected
    assert all(type(v) is float for v in values)


def test_fit_full_batch_gives_lbfgs_a_closure():
    X, y = data.xor()
    model = layers.mlp([2, 8, 1], "tanh", rng=1)
    lbfgs, loss_fn = optim.LBFGS(model.parameters(), max_iter=20), losses.BCEWithLogitsLoss()
    before = loss_fn(model(X), y[:, None] * 1.0)
    values = train.fit_full_batch(model, loss_fn, lbfgs, X, y[:, None] * 1.0, 10)
    assert len(values) == 10 and values[-1] < 1e-3 < 0.3 < before
    assert lbfgs.evaluations > 10  # several loss evaluations per step: the closure ran them
    with pytest.raises(ValueError, match="steps"):
        train.fit_full_batch(model, losses.MSELoss(), lbfgs, X, y, 0)


def test_the_training_helpers_take_their_arguments_in_one_order():
    def leading(fn):
        return list(inspect.signature(fn).parameters)[:5]

    assert leading(train.fit) == ["model", "loss_fn", "optimizer", "X", "y"]
    assert leading(train.fit_full_batch) == leading(train.fit)
