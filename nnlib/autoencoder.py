"""Autoencoders (deck 003): a network trained to reproduce its input through a narrow code.

One hidden layer of sigmoid units computes the code and a second layer decodes it:

    a_i = f(sum_j W_ij x_j + b_i)                                         (7.1)
    x_hat_k = f(sum_i V_ki a_i + c_k)                                     (7.2)

(deck 003 writes the bias of (7.1) as b_j, with the summation index: it is one bias per hidden
unit, b_i). nnlib stores weights as (in_features, out_features), so the slide's W_ij is
``encoder.weight.data[j, i]``: column i holds the weights into hidden unit i.

A *sparse* autoencoder adds beta sum_i KL(rho || rho_hat_i), where rho_hat_i is the mean
activation of unit i over the batch (7.6); it pushes every unit to be active on a fraction rho of
the inputs only.
"""

from __future__ import annotations

import numpy as np

from nnlib import losses, optim
from nnlib.checks import integer
from nnlib.layers import Dense, Sequential, Sigmoid
from nnlib.module import Module
from nnlib.random import RNGLike, as_rng

_CLIP = 1e-7  # keeps the logarithms of (7.5) finite when a unit saturates


def kl_bernoulli(rho: float, rho_hat: np.ndarray) -> np.ndarray:
    """KL(rho || rho_hat) = rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat)) (7.5).

    The divergence of a Bernoulli(rho_hat) from a Bernoulli(rho): zero exactly when they agree.
    """
    if not 0 < rho < 1:
        raise ValueError(f"expected a target activation rho in (0, 1), got {rho}")
    rho_hat = np.clip(np.asarray(rho_hat, dtype=float), _CLIP, 1 - _CLIP)
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def sparsity_penalty(hidden: np.ndarray, rho: float, beta: float) -> tuple[float, np.ndarray]:
    """Value and gradient of beta sum_i KL(rho || rho_hat_i), rho_hat_i = mean_n a_ni (7.6).

    Returns (penalty, d penalty / d hidden), the convention of every penalty (`nnlib.losses`);
    the gradient is
    beta / N (-rho / rho_hat_i + (1 - rho) / (1 - rho_hat_i)), the same for every example n.
    """
    hidden = np.asarray(hidden)
    if hidden.ndim != 2:
        raise ValueError(f"expected hidden activations of shape (N, H), got {hidden.shape}")
    rho_hat = np.clip(hidden.mean(axis=0), _CLIP, 1 - _CLIP)
    value = float(beta * kl_bernoulli(rho, rho_hat).sum())
    per_unit = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) / hidden.shape[0]
    return value, np.broadcast_to(per_unit, hidden.shape).astype(hidden.dtype)


def max_activating_inputs(weight: np.ndarray) -> np.ndarray:
    """The input of unit norm that maximally activates each hidden unit: x = W_i / ||W_i|| (7.4).

    `weight` has nnlib's shape (in_features, out_features); row i of the result is the image for
    hidden unit i, x_j = W_ji / sqrt(sum_j W_ji^2) in nnlib's indexing (W_ij in the slide's).
    By Cauchy-Schwarz, sum_j W_ji x_j <= ||W_i|| ||x|| with equality for x parallel to W_i, and a
    monotone f turns the largest pre-activation into the largest activation.
    """
    weight = np.asarray(weight)
    if weight.ndim != 2:
        raise ValueError(
            f"expected a weight matrix (in_features, out_features), got {weight.shape}"
        )
    norms = np.linalg.norm(weight, axis=0)
    if np.any(norms == 0):
        raise ValueError("a hidden unit with all-zero weights has no maximally activating input")
    return (weight / norms).T


class Autoencoder(Module):
    """Sigmoid encoder (7.1) and sigmoid decoder (7.2), optionally with the sparsity penalty (7.6).

    Train it like any module with target = input (MSELoss or BCELoss on inputs in [0, 1]);
    `backward` adds the gradient of the sparsity penalty at the code when `sparsity_weight > 0`,
    and `last_penalty` holds the penalty's value at the last training backward pass.
    """

    def __init__(
        self,
        in_features: int,
        code_size: int,
        sparsity_target: float = 0.05,
        sparsity_weight: float = 0.0,
        rng: RNGLike = None,
        dtype: type = np.float64,
    ) -> None:
        rng = as_rng(rng)  # one generator for both layers: a seed must not give them equal weights
        self.encoder = Sequential(Dense(in_features, code_size, rng=rng, dtype=dtype), Sigmoid())
        self.decoder = Sequential(Dense(code_size, in_features, rng=rng, dtype=dtype), Sigmoid())
        self.sparsity_target = float(sparsity_target)
        self.sparsity_weight = float(sparsity_weight)
        self.last_penalty = 0.0
        self._code: np.ndarray | None = None

    @property
    def encoder_weight(self) -> np.ndarray:
        """W of (7.1) in nnlib's shape (in_features, code_size)."""
        return self.encoder[0].weight.data

    def encode(self, x: np.ndarray) -> np.ndarray:
        """The code a of (7.1)."""
        return self.encoder(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._code = self.encoder(x)
        return self.decoder(self._code)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        grad_code = self.decoder.backward(grad_out)
        if self.sparsity_weight > 0 and self.training:
            self.last_penalty, grad_penalty = sparsity_penalty(
                self._code, self.sparsity_target, self.sparsity_weight
            )
            grad_code = grad_code + grad_penalty
        return self.encoder.backward(grad_code)

    def extra_repr(self) -> str:
        return f"sparsity_target={self.sparsity_target}, sparsity_weight={self.sparsity_weight}"


def total_objective(model: Autoencoder, x: np.ndarray, weight_decay: float = 1e-4) -> float:
    """The sparse autoencoder's full training objective on the batch `x` (target = input):

        J_total = J + beta sum_i KL(rho || rho_hat_i) + (lambda / 2) (sum W^2 + sum V^2),

    the reconstruction error (7.3), the sparsity penalty (7.6) and weight decay with
    lambda = `weight_decay` on both weight matrices (not the biases), as in Ng's exercise.
    Returns J_total and leaves its gradient in every parameter's `.grad` (zeroed first).
    """
    weights = [model.encoder[0].weight, model.decoder[0].weight]
    model.zero_grad()
    reconstruction = losses.MSELoss()(model(x), x)
    model.backward(reconstruction.backward())  # adds the sparsity gradient at the code
    values = [w.data for w in weights]
    decay, decay_grads = losses.l2_penalty(values, weight_decay)
    for weight, grad in zip(weights, decay_grads, strict=True):
        weight.grad += grad
    penalty = model.last_penalty if model.sparsity_weight > 0 and model.training else 0.0
    return float(reconstruction) + penalty + decay


def fit_lbfgs(
    model: Autoencoder,
    x: np.ndarray,
    weight_decay: float = 1e-4,
    max_iter: int = 400,
    history_size: int = 50,
    record_every: int = 20,
) -> list[float]:
    """Train `model` on all of `x` at once with L-BFGS, as Ng's sparse autoencoder exercise does.

    Minimises `total_objective` (reconstruction error (7.3) + sparsity penalty (7.6) + weight
    decay). L-BFGS (`optim.LBFGS`) runs `max_iter` iterations, remembering `history_size`
    curvature pairs. Returns the objective before training and after every `record_every`
    iterations; leaves the model in eval mode. `x` is the target too, so it must lie in [0, 1]
    (the decoder is a sigmoid): see `nnlib.data.squash_to_unit_interval`.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != model.encoder_weight.shape[0]:
        raise ValueError(
            f"expected inputs of shape (N, {model.encoder_weight.shape[0]}), got {x.shape}"
        )
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
    max_iter, record_every = integer("max_iter", max_iter), integer("record_every", record_every)
    model.train()
    history = [total_objective(model, x, weight_decay)]
    optimizer = optim.LBFGS(
        model.parameters(), max_iter=record_every, history_size=history_size, tolerance_change=0.0
    )
    for start in range(0, int(max_iter), int(record_every)):
        optimizer.max_iter = min(int(record_every), int(max_iter) - start)
        history.append(optimizer.step(lambda: total_objective(model, x, weight_decay)))
    model.eval()
    return history
