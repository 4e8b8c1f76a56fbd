"""Optimizers and learning-rate schedules, one signature for all: ``Opt(params, lr=..., ...)``.

```python
opt = optim.Adam(model.parameters(), lr=1e-3)
opt.zero_grad(); loss = loss_fn(model(x), y); model.backward(loss.backward()); opt.step()
sched = optim.CosineSchedule(opt, T_max=100)   # sched.step() once per epoch
```
"""

from nnlib.optim.base import Optimizer
from nnlib.optim.clip import clip_grad_norm_
from nnlib.optim.first_order import SGD, Adam, AdamW, Momentum, RMSProp
from nnlib.optim.schedules import (
    CosineSchedule,
    InverseSqrtSchedule,
    LinearSchedule,
    LRScheduler,
    StepSchedule,
)
from nnlib.optim.second_order import LBFGS, newton, newton_step
from nnlib.optim.surfaces import Surface, optimizer_path, quadratic, rosenbrock, saddle

__all__ = [
    "LBFGS",
    "SGD",
    "Adam",
    "AdamW",
    "CosineSchedule",
    "InverseSqrtSchedule",
    "LRScheduler",
    "LinearSchedule",
    "Momentum",
    "Optimizer",
    "RMSProp",
    "StepSchedule",
    "Surface",
    "clip_grad_norm_",
    "newton",
    "newton_step",
    "optimizer_path",
    "quadratic",
    "rosenbrock",
    "saddle",
]
