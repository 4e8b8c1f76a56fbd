"""Optimizers and schedules: first steps against the formulas written out by hand here."""

import math

import numpy as np
import pytest

from nnlib import optim
from nnlib.module import Parameter


def param(values, dtype=np.float64):
    return Parameter(np.array(values, dtype=dtype))


def run(opt, p, grads):
    """Feed the given gradients one step at a time; return the parameter after each step."""
    out = []
    for g in grads:
        p.grad[...] = g
        opt.step()
        out.append(p.data.copy())
    return out


# gradients used by the hand computations below
G1, G2 = np.array([1.0, -2.0]), np.array([0.5, 4.0])


def test_sgd_plain_step():
    p = param([1.0, 2.0])
    (after,) = run(optim.SGD([p], lr=0.1), p, [G1])
    np.testing.assert_allclose(after, [1.0 - 0.1 * 1.0, 2.0 + 0.1 * 2.0])


def test_sgd_momentum_sums_gradients_like_pytorch():
    p = param([1.0, 2.0])
    a1, a2 = run(optim.SGD([p], lr=0.1, momentum=0.9), p, [G1, G2])
    b1 = G1
    b2 = 0.9 * b1 + G2
    np.testing.assert_allclose(a1, [1.0, 2.0] - 0.1 * b1)
    np.testing.assert_allclose(a2, a1 - 0.1 * b2)


def test_sgd_nesterov_and_weight_decay():
    p = param([1.0, 2.0])
    a1, a2 = run(optim.SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.2), p, [G1, G2])
    g1 = G1 + 0.2 * np.array([1.0, 2.0])
    b1 = g1
    expected1 = np.array([1.0, 2.0]) - 0.1 * (g1 + 0.5 * b1)
    g2 = G2 + 0.2 * expected1
    b2 = 0.5 * b1 + g2
    np.testing.assert_allclose(a1, expected1)
    np.testing.assert_allclose(a2, expected1 - 0.1 * (g2 + 0.5 * b2))


def pytorch_sgd(theta, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """torch.optim.SGD's algorithm as its documentation writes it, one loop, no nnlib.

    (PyTorch itself is not installed here: its Linux wheels pull gigabytes of CUDA packages.)
    `grads(theta)` gives the loss gradient at theta; returns the iterates theta_1, theta_2, ...
    """
    theta, buf, out = np.array(theta, dtype=float), None, []
    for t in range(1, len(grads) + 1):
        g = grads[t - 1](theta) + weight_decay * theta
        if momentum != 0.0:
            buf = g.copy() if t == 1 else momentum * buf + (1.0 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        theta = theta - lr * g
        out.append(theta)
    return out


@pytest.mark.parametrize(
    "settings",
    [
        {"momentum": 0.9, "nesterov": True},
        {"momentum": 0.5, "nesterov": True, "weight_decay": 0.1},
        {"momentum": 0.9, "dampening": 0.3},
        {"momentum": 0.7, "dampening": 0.5, "weight_decay": 0.05},
        {"momentum": 0.0, "weight_decay": 0.2},
    ],
)
def test_sgd_follows_pytorchs_algorithm_on_a_quadratic(settings):
    # gradients that depend on theta (a quadratic with a cross term), so a wrong order of
    # operations (decay, buffer, look-ahead) changes the iterates
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(15, 2))
    grads = [lambda th, e=e: A @ th + e for e in noise]
    expected = pytorch_sgd([1.0, -2.0], grads, lr=0.05, **settings)
    p = param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.05, **settings)
    for grad in grads:
        p.grad[...] = grad(p.data)
        opt.step()
    np.testing.assert_allclose(p.data, expected[-1], rtol=1e-12)


def test_sgd_nesterov_first_two_steps_by_hand():
    # theta_1 = theta_0 - lr (g1 + mu g1): the first buffer is g1 itself
    p = param([1.0, 2.0])
    a1, a2 = run(optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True), p, [G1, G2])
    np.testing.assert_allclose(a1, [1.0 - 0.1 * 1.9 * 1.0, 2.0 + 0.1 * 1.9 * 2.0])
    b2 = 0.9 * G1 + G2
    np.testing.assert_allclose(a2, a1 - 0.1 * (G2 + 0.9 * b2))


def test_sgd_dampening_spares_the_first_gradient():
    p = param([1.0, 2.0])
    a1, a2 = run(optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5), p, [G1, G2])
    np.testing.assert_allclose(a1, [1.0, 2.0] - 0.1 * G1)  # b1 = g1, not (1 - 0.5) g1
    np.testing.assert_allclose(a2, a1 - 0.1 * (0.9 * G1 + 0.5 * G2))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"momentum": 0.0, "nesterov": True}, "momentum > 0 and dampening = 0"),
        ({"momentum": 0.9, "dampening": 0.1, "nesterov": True}, "dampening=0.1"),
        ({"momentum": 0.9, "dampening": 1.5}, "dampening must lie in"),
        ({"momentum": 0.9, "dampening": -0.1}, "dampening must lie in"),
    ],
)
def test_sgd_refuses_what_pytorch_refuses(settings, message):
    with pytest.raises(ValueError, match=message):
        optim.SGD([param([1.0])], lr=0.1, **settings)


def test_sgd_repr_shows_momentum_and_nesterov():
    opt = optim.SGD([param([1.0]), param([2.0])], lr=0.1, momentum=0.9, nesterov=True)
    assert repr(opt) == (
        "SGD(lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True)"
    )


def test_slides_momentum_is_a_moving_average():
    p = param([1.0, 2.0])
    a1, a2 = run(optim.Momentum([p], lr=0.1, gamma=0.9), p, [G1, G2])
    m1 = 0.1 * G1  # (1 - 0.9) g1
    m2 = 0.9 * m1 + 0.1 * G2
    np.testing.assert_allclose(a1, [1.0, 2.0] - 0.1 * m1)
    np.testing.assert_allclose(a2, a1 - 0.1 * m2)


def test_slides_momentum_equals_pytorch_momentum_with_scaled_lr():
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(5, 3))
    p, q = param(np.zeros(3)), param(np.zeros(3))
    ours = run(optim.Momentum([p], lr=0.2, gamma=0.8), p, grads)
    torch_like = run(optim.SGD([q], lr=0.2 * (1 - 0.8), momentum=0.8), q, grads)
    np.testing.assert_allclose(ours, torch_like)


def test_rmsprop_first_steps():
    p = param([1.0, 2.0])
    a1, a2 = run(optim.RMSProp([p], lr=0.01, alpha=0.9, eps=1e-8), p, [G1, G2])
    v1 = 0.1 * G1**2
    v2 = 0.9 * v1 + 0.1 * G2**2
    np.testing.assert_allclose(a1, [1.0, 2.0] - 0.01 * G1 / (np.sqrt(v1) + 1e-8))
    np.testing.assert_allclose(a2, a1 - 0.01 * G2 / (np.sqrt(v2) + 1e-8))


def test_adam_first_steps_with_bias_correction():
    p = param([1.0, 2.0])
    a1, a2 = run(optim.Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8), p, [G1, G2])
    m1, v1 = 0.1 * G1, 0.001 * G1**2
    m2, v2 = 0.9 * m1 + 0.1 * G2, 0.999 * v1 + 0.001 * G2**2
    mhat1, vhat1 = m1 / (1 - 0.9), v1 / (1 - 0.999)
    mhat2, vhat2 = m2 / (1 - 0.81), v2 / (1 - 0.999**2)
    np.testing.assert_allclose(a1, [1.0, 2.0] - 0.1 * mhat1 / (np.sqrt(vhat1) + 1e-8))
    np.testing.assert_allclose(a2, a1 - 0.1 * mhat2 / (np.sqrt(vhat2) + 1e-8))
    # the corrected first step has size lr in every coordinate: sign(g) * lr
    np.testing.assert_allclose(a1, [1.0 - 0.1, 2.0 + 0.1], rtol=1e-6)


def test_adam_without_bias_correction_first_step_is_too_large():
    p = param([1.0, 2.0])
    (a1,) = run(optim.Adam([p], lr=0.1, bias_correction=False), p, [G1])
    step = 0.1 * (0.1 * G1) / (np.sqrt(0.001 * G1**2) + 1e-8)  # lr m / (sqrt(v) + eps)
    np.testing.assert_allclose(a1, [1.0, 2.0] - step)
    # (1 - beta1) / sqrt(1 - beta2) = 0.1 / sqrt(0.001): 3.16 lr instead of lr
    assert abs(step[0]) == pytest.approx(0.1 * 0.1 / math.sqrt(0.001))


def test_adam_weight_decay_adds_l2_gradient():
    p = param([2.0])
    (a1,) = run(optim.Adam([p], lr=0.1, weight_decay=0.5), p, [np.array([0.0])])
    assert a1[0] == pytest.approx(2.0 - 0.1)  # g = 0 + 0.5 * 2 > 0, first step is lr * sign(g)


def test_adamw_steps_match_pytorchs_algorithm():
    # PyTorch's AdamW: theta *= 1 - lr wd; then Adam's bias-corrected step on g alone
    p = param([1.0, 2.0])
    lr, wd = 0.1, 0.3
    a1, a2 = run(optim.AdamW([p], lr=lr, weight_decay=wd), p, [G1, G2])
    m1, v1 = 0.1 * G1, 0.001 * G1**2
    m2, v2 = 0.9 * m1 + 0.1 * G2, 0.999 * v1 + 0.001 * G2**2
    theta1 = np.array([1.0, 2.0]) * (1 - lr * wd) - lr * (m1 / 0.1) / (np.sqrt(v1 / 0.001) + 1e-8)
    theta2 = theta1 * (1 - lr * wd) - lr * (m2 / 0.19) / (np.sqrt(v2 / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(a1, theta1, rtol=1e-12)
    np.testing.assert_allclose(a2, theta2, rtol=1e-12)


def test_adamw_default_weight_decay_is_pytorchs():
    assert optim.AdamW([param([1.0])]).weight_decay == 0.01


@pytest.mark.parametrize("wd", [1e-4, 1e-2])
def test_coupled_l2_under_adam_is_not_weight_decay(wd):
    # a weight the loss does not touch: AdamW shrinks it by (1 - lr wd) per step; Adam with L2
    # normalizes the penalty's gradient away, so it falls by about lr per step whatever wd is
    lr, steps = 1e-3, 100
    coupled, decoupled = param([1.0]), param([1.0])
    run(optim.Adam([coupled], lr=lr, weight_decay=wd), coupled, [np.zeros(1)] * steps)
    run(optim.AdamW([decoupled], lr=lr, weight_decay=wd), decoupled, [np.zeros(1)] * steps)
    assert decoupled.data[0] == pytest.approx((1 - lr * wd) ** steps, rel=1e-12)
    assert coupled.data[0] == pytest.approx(1 - lr * steps, abs=2e-3)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.1),
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
        lambda ps: optim.Momentum(ps, lr=0.1),
        lambda ps: optim.RMSProp(ps, lr=0.1, weight_decay=0.1),
        lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.1),
    ],
)
def test_float32_stays_float32_and_buffers_are_reused(make):
    p = param([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    data_buffer = p.data
    opt = make([p])
    run(opt, p, [np.ones((2, 2)), -np.ones((2, 2))])
    assert p.data.dtype == np.float32
    assert p.data is data_buffer  # updated in place, never rebound
    for value in vars(opt).values():
        if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            assert all(b.dtype == np.float32 for b in value)


def test_zero_grad_clears_all_gradients():
    p, q = param([1.0]), param([[2.0, 3.0]])
    p.grad[...] = 5.0
    q.grad[...] = 7.0
    optim.SGD([p, q], lr=0.1).zero_grad()
    assert not p.grad.any() and not q.grad.any()


@pytest.mark.parametrize(
    ("make", "value"),
    [
        (lambda ps: optim.SGD(ps, lr=-0.1), "-0.1"),
        (lambda ps: optim.Adam(ps, lr=-1.0), "-1.0"),
        (lambda ps: optim.Adam(ps, betas=(1.0, 0.999)), "1.0"),
        (lambda ps: optim.Adam(ps, betas=(0.9, -0.5)), "-0.5"),
        (lambda ps: optim.SGD(ps, lr=0.1, momentum=1.5), "1.5"),
        (lambda ps: optim.RMSProp(ps, alpha=2.0), "2.0"),
        (lambda ps: optim.Momentum(ps, gamma=-0.1), "-0.1"),
        (lambda ps: optim.LBFGS(ps, lr=-2.0), "-2.0"),
    ],
)
def test_bad_hyperparameters_raise_naming_the_value(make, value):
    with pytest.raises(ValueError, match=value.replace(".", r"\.")):
        make([param([1.0])])


def test_empty_parameter_list_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])


# second-order methods
def test_newton_solves_a_quadratic_in_one_step():
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    path = optim.newton(lambda x: a @ x - b, lambda x: a, x0=[5.0, 5.0], steps=3)
    np.testing.assert_allclose(path[1], np.linalg.solve(a, b))
    assert len(path) == 2  # the gradient vanishes after one step, so it stops


def test_newton_reaches_the_rosenbrock_minimum():
    surface = optim.rosenbrock()
    path = optim.newton(surface.grad, surface.hess, x0=surface.start, steps=50)
    np.testing.assert_allclose(path[-1], [1.0, 1.0], atol=1e-8)


def test_newton_step_is_x_minus_hessian_solve():
    x = np.array([1.0, 1.0])
    out = optim.newton_step(x, np.array([2.0, 4.0]), np.diag([2.0, 8.0]))
    np.testing.assert_allclose(out, [1.0 - 1.0, 1.0 - 0.5])


def lbfgs_closure(p, surface):
    def closure():
        p.grad[...] = surface.grad(p.data)
        return surface.f(p.data)

    return closure


@pytest.mark.parametrize("surface", [optim.quadratic(100.0), optim.rosenbrock()])
def test_lbfgs_reaches_the_minimum(surface):
    p = param(surface.start)
    opt = optim.LBFGS([p], lr=1.0, history_size=10, max_iter=200)
    loss = opt.step(lbfgs_closure(p, surface))
    np.testing.assert_allclose(p.data, surface.minimum, atol=1e-5)
    assert loss < 1e-10


def test_lbfgs_two_loop_matches_exact_inverse_hessian_on_a_quadratic():
    # BFGS's hereditary property: after updates along h-conjugate steps s1, s2 the inverse
    # Hessian approximation satisfies H y_i = s_i for both, so on the plane it is exactly h^-1
    h = np.array([[4.0, 1.0], [1.0, 3.0]])
    p = param([0.0, 0.0])
    opt = optim.LBFGS([p], history_size=5)
    s1, s2 = np.array([1.0, 0.0]), np.array([1.0, -4.0])
    assert s1 @ h @ s2 == 0.0
    for s in (s1, s2):
        y = h @ s
        opt.history.append((s, y, 1.0 / (s @ y)))
    g = np.array([1.0, 2.0])
    np.testing.assert_allclose(opt.direction(g), -np.linalg.solve(h, g), rtol=1e-10)


# schedules
def test_step_schedule_multiplies_at_milestones():
    opt = optim.SGD([param([1.0])], lr=0.5)
    sched = optim.StepSchedule(opt, milestones=[2, 4], gamma=0.1)
    lrs = [sched.lr] + [sched.step() for _ in range(5)]
    np.testing.assert_allclose(lrs, [0.5, 0.5, 0.05, 0.05, 0.005, 0.005])
    assert opt.lr == pytest.approx(0.005)
    by_period = optim.StepSchedule(1.0, step_size=3, gamma=0.5)
    assert [by_period.lr_at(t) for t in (0, 2, 3, 6)] == [1.0, 1.0, 0.5, 0.25]


def test_cosine_schedule_formula():
    sched = optim.CosineSchedule(0.2, T_max=4)
    expected = [0.5 * 0.2 * (1 + math.cos(t * math.pi / 4)) for t in range(5)]
    np.testing.assert_allclose(sched.curve(5), expected, atol=1e-15)
    assert sched.lr_at(9) == pytest.approx(0.0)


def test_linear_schedule_with_and_without_warmup():
    plain = optim.LinearSchedule(1.0, T_max=4)
    np.testing.assert_allclose(plain.curve(6), [1.0, 0.75, 0.5, 0.25, 0.0, 0.0])
    warm = optim.LinearSchedule(1.0, T_max=6, warmup=2)
    np.testing.assert_allclose(warm.curve(7), [0.5, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0])


def test_inverse_sqrt_schedule():
    sched = optim.InverseSqrtSchedule(0.3)
    np.testing.assert_allclose(sched.curve(4), [0.3, 0.3 / math.sqrt(2), 0.3 / math.sqrt(3), 0.15])
    warm = optim.InverseSqrtSchedule(1.0, warmup=4)
    np.testing.assert_allclose(
        warm.curve(6), [0.25, 0.5, 0.75, 1.0, math.sqrt(4 / 5), math.sqrt(4 / 6)]
    )


def test_schedule_sets_optimizer_lr_at_creation_and_each_step():
    opt = optim.Adam([param([1.0])], lr=1.0)
    sched = optim.LinearSchedule(opt, T_max=10, warmup=5)
    assert opt.lr == pytest.approx(0.2)
    sched.step()
    assert opt.lr == sched.lr == pytest.approx(0.4)


def test_bad_schedule_arguments():
    with pytest.raises(ValueError, match="-3"):
        optim.CosineSchedule(0.1, T_max=-3)
    with pytest.raises(ValueError, match="exactly one"):
        optim.StepSchedule(0.1)
    with pytest.raises(ValueError, match="-0.5"):
        optim.StepSchedule(-0.5, step_size=2)


def test_optimizer_path_on_a_quadratic_with_gradient_descent():
    surface = optim.quadratic(4.0)
    path = optim.optimizer_path(lambda ps: optim.SGD(ps, lr=0.1), surface.grad, (1.0, 1.0), 3)
    # x shrinks by (1 - 0.1 * 1), y by (1 - 0.1 * 4) per step
    np.testing.assert_allclose(path[-1], [0.9**3, 0.6**3])
    diverging = optim.optimizer_path(
        lambda ps: optim.SGD(ps, lr=1.0), surface.grad, (1.0, 1.0), 100
    )
    assert len(diverging) < 101  # |1 - 4| = 3 per step: leaves the window and stops


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.1),
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
        lambda ps: optim.Momentum(ps, lr=0.1),
        lambda ps: optim.RMSProp(ps, lr=0.1),
        lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.1),
    ],
)
def test_steps_allocate_no_parameter_sized_temporaries(make):
    import tracemalloc

    p = param(np.ones(100_000))  # 800 kB
    p.grad[...] = 0.5
    opt = make([p])
    opt.step()  # buffers exist after construction; warm up anyway
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000, f"a step allocated {peak} bytes"


# --- gradient clipping ------------------------------------------------------------------------


def _with_grads(*grads):
    params = []
    for g in grads:
        p = Parameter(np.zeros_like(np.asarray(g)))
        p.grad[...] = g
        params.append(p)
    return params


def test_clip_grad_norm_scales_the_joint_norm_down_to_max_norm():
    params = _with_grads(np.array([3.0]), np.array([[4.0, 0.0]]))
    norm = optim.clip_grad_norm_(params, max_norm=1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(params[0].grad, [0.6])
    np.testing.assert_allclose(params[1].grad, [[0.8, 0.0]])


def test_clip_grad_norm_leaves_small_gradients_alone():
    params = _with_grads(np.array([0.3, 0.4]))
    assert optim.clip_grad_norm_(params, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_allclose(params[0].grad, [0.3, 0.4])


def test_clip_grad_norm_of_a_huge_float32_gradient_does_not_overflow():
    params = _with_grads(np.full(4, 1e30, dtype=np.float32))
    norm = optim.clip_grad_norm_(params, max_norm=2.0)
    assert norm == pytest.approx(2e30, rel=1e-6)
    assert params[0].grad.dtype == np.float32
    np.testing.assert_allclose(params[0].grad, np.full(4, 1.0), rtol=1e-6)


@pytest.mark.parametrize("max_norm", [0.0, -1.0, math.nan])
def test_clip_grad_norm_rejects_a_non_positive_max_norm(max_norm):
    with pytest.raises(ValueError, match="max_norm"):
        optim.clip_grad_norm_(_with_grads(np.ones(2)), max_norm)
