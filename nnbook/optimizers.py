"""Chapter 4 (Optimizers): the optimizer race on 2-D surfaces and the learning-rate schedules.

Each ``*()`` returns a :class:`~nnbook.base.Demo`. The computations behind the frames are
plain functions (``race_paths``, ``noisy_sgd_losses``) that the chapter also calls, cached so a
frame and a chapter cell never compute the same thing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from nnbook.base import Demo
from nnlib import data, layers, losses, optim, search, train, viz
from nnlib.module import Parameter

TWO_PANEL_MARGINS = {"left": 0.07, "right": 0.98, "bottom": 0.14, "top": 0.9, "wspace": 0.25}


# ---------------------------------------------------------------------------------------------
# The optimizer race
# ---------------------------------------------------------------------------------------------

SURFACES: dict[str, Callable[[], optim.Surface]] = {
    "ill-conditioned quadratic": lambda: optim.quadratic(25.0),
    "Rosenbrock": optim.rosenbrock,
    "saddle": optim.saddle,
}
# base learning rates per surface and optimizer (the "x1" setting), and the number of steps
BASE_LR = {
    "ill-conditioned quadratic": {"SGD": 0.06, "SGD+momentum": 0.06, "RMSProp": 0.1, "Adam": 0.2},
    "Rosenbrock": {"SGD": 1e-3, "SGD+momentum": 1e-3, "RMSProp": 1e-2, "Adam": 0.05},
    "saddle": {"SGD": 0.05, "SGD+momentum": 0.05, "RMSProp": 0.02, "Adam": 0.05},
}
STEPS = {"ill-conditioned quadratic": 80, "Rosenbrock": 400, "saddle": 80}
LR_SCALES = [0.3, 1.0, 3.0]
MOMENTA = [0.0, 0.9]


def make_optimizer(
    name: str, lr: float, beta: float
) -> Callable[[list[Parameter]], optim.Optimizer]:
    """A factory for ``optimizer_path``; ``beta`` is the momentum and Adam's beta1.

    Momentum is PyTorch's form here, so that it takes SGD's learning rate and momentum 0 is SGD.
    """
    factories = {
        "SGD": lambda ps: optim.SGD(ps, lr=lr),
        "SGD+momentum": lambda ps: optim.SGD(ps, lr=lr, momentum=beta),
        "RMSProp": lambda ps: optim.RMSProp(ps, lr=lr, alpha=0.9),
        "Adam": lambda ps: optim.Adam(ps, lr=lr, betas=(beta, 0.999)),
    }
    return factories[name]


@lru_cache(maxsize=64)
def race_paths(surface: str, lr_scale: float = 1.0, beta: float = 0.9) -> dict[str, np.ndarray]:
    """Paths of SGD, the slides' momentum, RMSProp and Adam from the surface's start point."""
    s = SURFACES[surface]()
    return {
        name: optim.optimizer_path(
            make_optimizer(name, lr * lr_scale, beta), s.grad, s.start, STEPS[surface]
        )  # fmt: skip
        for name, lr in BASE_LR[surface].items()
    }


def plot_race(surface: str, lr_scale: float, momentum: float) -> Figure:
    """Left: the paths on the contours. Right: f(theta_k) - f* per step (log scale)."""
    s = SURFACES[surface]()
    paths = race_paths(surface, lr_scale, momentum)
    fig, (ax_paths, ax_loss) = viz.new_figure(1, 2, figsize=(9.5, 3.8), margins=TWO_PANEL_MARGINS)
    title = f"{s.name}: lr x{lr_scale:g}, momentum/beta1 {momentum:g}"
    viz.plot_optimizer_paths(s, paths, ax=ax_paths, resolution=100, levels=15, title=title,
                             legend=False)  # fmt: skip
    f_min = s.f(np.array(s.minimum))
    for i, (name, path) in enumerate(paths.items()):
        gap = np.array([s.f(p) for p in path]) - f_min
        diverged = " (left the window)" if len(path) <= STEPS[surface] else ""
        ax_loss.semilogy(np.maximum(gap, 1e-16), color=viz.COLORS[i % len(viz.COLORS)],
                         label=name + diverged)  # fmt: skip
    ax_loss.set(xlabel="step k", ylabel=r"$f(\theta_k) - f^*$", title="distance to the optimum")
    ax_loss.legend(fontsize=8)
    return fig


def optimizer_race() -> Demo:
    """SGD, momentum, RMSProp and Adam on a valley, a banana and a saddle."""
    return Demo(
        plot_race,
        grid={"surface": list(SURFACES), "lr_scale": LR_SCALES, "momentum": MOMENTA},
        title="Optimizer race: who crosses the valley, follows the banana, leaves the saddle?",
        defaults={"surface": "ill-conditioned quadratic", "lr_scale": 1.0, "momentum": 0.9},
    )


# ---------------------------------------------------------------------------------------------
# Learning-rate schedules on a noisy problem
# ---------------------------------------------------------------------------------------------

EPOCHS = 60
STEPS_PER_EPOCH = 20
SCHEDULES = ["constant", "step", "cosine", "linear (warm-up)", "inverse sqrt"]
BASE_LRS = [0.02, 0.05, 0.15]


def make_schedule(name: str, optimizer: optim.Optimizer | float, epochs: int = EPOCHS):
    """One of the chapter's schedules over ``epochs`` epochs (None for a constant rate)."""
    if name == "constant":
        return None
    return {
        "step": lambda: optim.StepSchedule(optimizer, milestones=[epochs // 2, 3 * epochs // 4]),
        "cosine": lambda: optim.CosineSchedule(optimizer, T_max=epochs),
        "linear (warm-up)": lambda: optim.LinearSchedule(
            optimizer, T_max=epochs, warmup=epochs // 10
        ),
        "inverse sqrt": lambda: optim.InverseSqrtSchedule(optimizer),
    }[name]()


def lr_curve(name: str, base_lr: float, epochs: int = EPOCHS) -> np.ndarray:
    """The learning rate of each epoch (the schedule's pure ``lr_at``)."""
    schedule = make_schedule(name, base_lr, epochs)
    return np.full(epochs, base_lr) if schedule is None else schedule.curve(epochs)


@lru_cache(maxsize=64)
def noisy_sgd_losses(
    schedule: str, base_lr: float, noise: float = 1.0, seed: int = 0
) -> np.ndarray:
    """SGD on f = 1/2 (x^2 + 10 y^2) with noisy gradients g + N(0, noise^2): f at each epoch's end.

    The noise stands in for mini-batch noise: with a constant rate the loss stalls at a floor
    proportional to the rate; decaying the rate lowers the floor.
    """
    surface = optim.quadratic(10.0)
    rng = np.random.default_rng(seed)
    theta = Parameter(np.array([3.0, 1.0]))
    opt = optim.SGD([theta], lr=base_lr)
    sched = make_schedule(schedule, opt)
    losses = []
    for _ in range(EPOCHS):
        for _ in range(STEPS_PER_EPOCH):
            theta.grad[...] = surface.grad(theta.data) + noise * rng.standard_normal(2)
            opt.step()
        losses.append(surface.f(theta.data))
        if sched is not None:
            sched.step()
    return np.array(losses)


def plot_schedule(schedule: str, base_lr: float) -> Figure:
    """Left: the schedule. Right: the loss it gives on the noisy quadratic, against constant lr."""
    fig, (ax_lr, ax_loss) = viz.new_figure(1, 2, figsize=(9.5, 3.5), margins=TWO_PANEL_MARGINS)
    epochs = np.arange(EPOCHS)
    ax_lr.plot(epochs, lr_curve("constant", base_lr), color=viz.COLORS[7], linestyle=":",
               label="constant")  # fmt: skip
    ax_lr.plot(epochs, lr_curve(schedule, base_lr), color=viz.COLORS[0], label=schedule)
    ax_lr.set(xlabel="epoch t", ylabel=r"learning rate $\alpha_t$", title=f"{schedule} schedule",
              ylim=(0, 1.05 * base_lr))  # fmt: skip
    ax_lr.legend()
    ax_loss.semilogy(epochs + 1, noisy_sgd_losses("constant", base_lr), color=viz.COLORS[7],
                     linestyle=":", label="constant")  # fmt: skip
    ax_loss.semilogy(epochs + 1, noisy_sgd_losses(schedule, base_lr), color=viz.COLORS[0],
                     label=schedule)  # fmt: skip
    ax_loss.set(xlabel="epoch", ylabel=r"loss $f(\theta)$", ylim=(1e-4, 50),
                title="SGD with noisy gradients")  # fmt: skip
    ax_loss.legend()
    return fig


def schedule_explorer() -> Demo:
    """Learning-rate schedules: their shape, and what decaying the rate does to noisy SGD."""
    return Demo(
        plot_schedule,
        grid={"schedule": SCHEDULES, "base_lr": BASE_LRS},
        title="Learning-rate schedules: decay the rate and the noise floor drops",
        defaults={"schedule": "cosine", "base_lr": 0.05},
    )


# ---------------------------------------------------------------------------------------------
# Claims of deck 002 that need an experiment: Adam's convergence, L-BFGS on mini-batches
# ---------------------------------------------------------------------------------------------


def online_counterexample(
    make_optimizer: Callable[[list[Parameter]], optim.Optimizer], steps: int = 3000, C: float = 3.0
) -> np.ndarray:
    """Reddi, Kale and Kumar's (2018) online problem: x in [-1, 1], f_t(x) = C x every third step,
    -x otherwise. Over three steps the loss is (C - 2) x, so the best point is x = -1.

    Returns the iterates after each projected step (the optimizer's step, then clipping to [-1, 1]).
    """
    x = Parameter(np.zeros(1))
    opt = make_optimizer([x])
    path = np.empty(steps)
    for t in range(1, steps + 1):
        x.grad[...] = C if t % 3 == 1 else -1.0
        opt.step()
        np.clip(x.data, -1.0, 1.0, out=x.data)
        path[t - 1] = x.data[0]
    return path


def noisy_regression(n: int = 1000, d: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Linear data y = X w + noise (unit variance), with input scales from 0.2 to 3."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.linspace(0.2, 3.0, d)
    return X, X @ rng.normal(size=(d, 1)) + rng.normal(size=(n, 1))


def excess_loss(
    method: str, X: np.ndarray, y: np.ndarray, batch_size: int, steps: int = 200, seed: int = 1
) -> float:
    """Full-data MSE above the least-squares optimum after `steps` steps of a linear model.

    ``method`` is "L-BFGS" (history 10, one iteration per mini-batch) or "Adam" (lr 0.05); each
    step draws a fresh mini-batch of `batch_size` examples (all of them when it equals len(X)).
    """
    model, mse = layers.Dense(X.shape[1], 1, rng=seed), losses.MSELoss()
    if method == "L-BFGS":
        opt: optim.Optimizer = optim.LBFGS(model.parameters(), history_size=10, max_iter=1)
    else:
        opt = optim.Adam(model.parameters(), lr=0.05)
    rng = np.random.default_rng(seed + 1)
    for _ in range(steps):
        idx = rng.choice(len(X), batch_size, replace=False)

        def closure(idx: np.ndarray = idx) -> float:
            model.zero_grad()
            value = mse(model(X[idx]), y[idx])
            model.backward(value.backward())
            return value

        if isinstance(opt, optim.LBFGS):
            opt.step(closure)
        else:
            closure()
            opt.step()
    design = np.c_[X, np.ones(len(X))]
    best = np.linalg.lstsq(design, y, rcond=None)[0]
    return mse(model(X), y) - mse(design @ best, y)


# ---------------------------------------------------------------------------------------------
# Problems of gradient descent: local minima and plateaus
# ---------------------------------------------------------------------------------------------


def wavy(theta: np.ndarray) -> np.ndarray:
    """f(theta) = theta^2 / 20 + sin(2 theta) / 2: three local minima in [-4, 4], of different
    heights (a bowl with ripples)."""
    return theta**2 / 20 + np.sin(2 * theta) / 2


def wavy_grad(theta: np.ndarray) -> np.ndarray:
    """f'(theta) = theta / 10 + cos(2 theta)."""
    return theta / 10 + np.cos(2 * theta)


def descend_1d(
    grad: Callable[[np.ndarray], np.ndarray], starts: np.ndarray, lr: float = 0.1, steps: int = 100
) -> np.ndarray:
    """Gradient descent (``optim.SGD``) from every start at once: row k holds all theta_k.

    The runs are independent because the loss is a sum of one term per start, so coordinate i
    of the gradient involves only theta_i.
    """
    theta = Parameter(np.array(starts, dtype=np.float64))
    opt = optim.SGD([theta], lr=lr)
    path = [theta.data.copy()]
    for _ in range(steps):
        theta.grad[...] = grad(theta.data)
        opt.step()
        path.append(theta.data.copy())
    return np.array(path)


def full_batch_descent(
    model: layers.Module, X: np.ndarray, t: np.ndarray, lr: float, steps: int
) -> tuple[np.ndarray, float]:
    """Full-batch gradient descent on the MSE loss: the loss before each step, and the gradient's
    norm (over all parameters) at the last step."""
    mse, opt, out = losses.MSELoss(), optim.SGD(model.parameters(), lr=lr), []
    for _ in range(steps):
        opt.zero_grad()
        loss = mse(model(X), t)
        out.append(float(loss))
        model.backward(loss.backward())
        opt.step()
    grad_norm = np.sqrt(sum(float((p.grad**2).sum()) for p in model.parameters()))
    return np.array(out), grad_norm


def relu_pair_on_abs(
    seed: int, steps: int = 2000, lr: float = 0.1
) -> tuple[np.ndarray, float, int, int]:
    """A 1-2-1 ReLU network fitted to |x| on [-1, 1] (40 points) by full-batch gradient descent.

    Two units can fit |x| = relu(x) + relu(-x) exactly, each bending at x = 0. A unit that is zero
    on every point gets no gradient and stays dead; a unit positive on every point is linear on
    the data. One bending unit beside a linear one can still fit exactly, |x| = 2 relu(x) - x; one
    bending unit beside a dead one fits one side of the V at best; with no bend the best is the
    constant mean. Returns the losses, the final gradient norm, the number of units that bend
    inside the data (positive on some points and not on others) and the number of dead units
    (zero on every point).
    """
    X, t = data.target_1d("abs", n=40)
    r = np.random.default_rng(seed)
    model = layers.Sequential(layers.Dense(1, 2, init="he_normal", rng=r), layers.ReLU(),
                              layers.Dense(2, 1, rng=r))  # fmt: skip
    run, grad_norm = full_batch_descent(model, X, t, lr, steps)
    positive = model[0](X) > 0
    bends = int((positive.any(axis=0) & ~positive.all(axis=0)).sum())
    dead = int((~positive.any(axis=0)).sum())
    return run, grad_norm, bends, dead


# ---------------------------------------------------------------------------------------------
# Momentum on a quadratic: measured convergence rates
# ---------------------------------------------------------------------------------------------


def heavy_ball_parameters(kappa: float) -> tuple[float, float]:
    """The heavy ball's best (lr, momentum) for eigenvalues in [1, kappa], eq. (4.7):
    lr = 4 / (1 + sqrt(kappa))^2, momentum = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2, which puts
    both extreme eigenvalues on the edge of the complex roots."""
    root = np.sqrt(kappa)
    return 4.0 / (1.0 + root) ** 2, ((root - 1.0) / (root + 1.0)) ** 2


def measured_rate(
    make_optimizer: Callable[[list[Parameter]], optim.Optimizer], kappa: float, steps: int = 1000
) -> float:
    """The factor by which the distance to the minimum of optim.quadratic(kappa) shrinks per step,
    measured over the second half of `steps` steps: (|theta_T| / |theta_{T/2}|)^(2 / T).

    The second half leaves out the start-up; for the heavy ball at its best parameters (double
    roots) the measured factor is the rate times 2^(2 / T), 0.14 % above it for T = 1000.
    """
    bowl = optim.quadratic(kappa)
    path = optim.optimizer_path(make_optimizer, bowl.grad, bowl.start, steps)
    half = steps // 2
    distance = np.linalg.norm(path, axis=1)
    return float((distance[steps] / distance[half]) ** (1.0 / (steps - half)))


def plateau_run(scale: float, steps: int = 1000, lr: float = 0.1, seed: int = 0) -> np.ndarray:
    """A 1-3-1 tanh network fitted to sin x on [-3, 3] (40 points), its initial weights times
    ``scale``: the losses of full-batch gradient descent.

    All-zero weights are a saddle point (each layer's gradient is proportional to the other
    layer's weights), so small initial weights start on a plateau whose length grows like
    log(1 / scale).
    """
    X, t = data.target_1d("sin", n=40, interval=(-3.0, 3.0))
    r = np.random.default_rng(seed)
    model = layers.Sequential(layers.Dense(1, 3, rng=r), layers.Tanh(), layers.Dense(3, 1, rng=r))
    for p in model.parameters():
        p.data *= scale
    return full_batch_descent(model, X, t, lr, steps)[0]


# ---------------------------------------------------------------------------------------------
# Steps 4 and 5 of the recipe: a hyperparameter search on the digits
# ---------------------------------------------------------------------------------------------


def train_relu_net(
    train_set: tuple[np.ndarray, np.ndarray],
    val_set: tuple[np.ndarray, np.ndarray],
    lr: float,
    weight_decay: float,
    epochs: int,
    hidden: int = 32,
    seed: int = 0,
) -> tuple[layers.Module, train.History]:
    """A 64-``hidden``-10 ReLU network trained with Adam(lr, weight_decay) in batches of 64;
    returns the model and its History (with ``val_accuracy`` per epoch)."""
    r = np.random.default_rng(seed)
    model = layers.Sequential(layers.Dense(64, hidden, init="he_normal", rng=r), layers.ReLU(),
                              layers.Dense(hidden, 10, rng=r))  # fmt: skip
    opt = optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = train.fit(model, losses.CrossEntropyLoss(), opt, *train_set, epochs=epochs,
                        batch_size=64, validation=val_set, metrics={"accuracy": train.accuracy},
                        progress=False, rng=seed)  # fmt: skip
    return model, history


def plot_search(stages: dict[str, list[search.Trial]], title: str | None = None) -> Figure:
    """Trials in the (learning rate, weight decay) plane, coloured by their score, one marker per
    stage (for example "coarse" and "fine"), the best trial circled."""
    fig, ax = viz.new_figure(figsize=(6.5, 4.6))
    every = [trial for trials in stages.values() for trial in trials]
    colour_scale = {"vmin": min(t.score for t in every), "vmax": max(t.score for t in every)}
    for (stage, trials), marker in zip(stages.items(), "o^s", strict=False):
        lr = [trial.params["lr"] for trial in trials]
        decay = [trial.params["weight_decay"] for trial in trials]
        scores = [trial.score for trial in trials]
        points = ax.scatter(lr, decay, c=scores, marker=marker, s=45, edgecolors="black",
                            linewidths=0.5, label=stage, **colour_scale)  # fmt: skip
    top = search.best(every)
    ax.scatter(top.params["lr"], top.params["weight_decay"], s=220, facecolors="none",
               edgecolors=viz.COLORS[1], linewidths=1.8, label="best")  # fmt: skip
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="weight decay", title=title)
    fig.colorbar(points, ax=ax, label="validation accuracy")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=len(stages) + 1)
    return fig
