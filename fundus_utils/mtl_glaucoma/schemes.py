"""Multi-task optimisation schemes as fastai callbacks, interchangeable by name.

Every scheme is a :class:`SchemeCallback` that replaces fastai's training step (forward,
loss, backward, optimizer step) for a batch and leaves validation, schedules
(``fit_one_cycle`` / ``fit``), recording and metrics to fastai. Names (:data:`SCHEMES`):

``stl``      one network per task (Single-Task Learning). The step is ``vanilla`` on a
             one-task network; :mod:`fundus_utils.mtl_glaucoma` trains one learner per task.
``vanilla``  Vanilla MTL: the unweighted sum of the task losses, one optimizer
             (Caruana 1997; the paper's eq. 1 with uniform weights).
``mtl_io``   MTL with Independent Optimizers (Pascal et al., Sci Rep 2022, eq. 3; Pascal et
             al., "Improved optimization strategies for deep multi-task networks",
             arXiv:2109.11678): one Adam per task, tasks stepped one after the other on each
             batch, each with its own forward pass at the current weights, so no optimizer
             ever holds another task's moments. The optimizer wrapper is
             :class:`TaskOptimizers`.
``gradnorm`` GradNorm (Chen et al., ICML 2018): loss weights ``w_i`` (sum = number of tasks)
             learned so that the gradient norms ``G_i = ||grad_W w_i L_i||`` at the last
             shared layer ``W`` approach ``mean(G) * r_i**alpha``, ``r_i`` being the relative
             inverse training rate ``(L_i/L_i(0)) / mean_j(L_j/L_j(0))``.
``pcgrad``   PCGrad, gradient surgery (Yu et al., NeurIPS 2020): each task's gradient on the
             shared weights is projected onto the normal plane of every other task gradient
             it conflicts with (negative dot product), in random order; the projected
             gradients are summed; task-specific weights get their own task's gradient.

Sources. From the paper: the list of schemes compared, uniform loss weights, Adam, one
optimizer per task for MTL-IO with alternating per-task steps. From the authors' code
(``models/MTL_model.py``): the MTL-IO task order (glaucoma, OD, OC, fovea), a separate
forward pass per task (the glaucoma pass runs the encoder only), ``zero_grad`` before each
task's backward. The authors' repository has no GradNorm or PCGrad code; those follow the
original papers, with our choices: GradNorm's ``W`` is the last convolution of the encoder
(the deepest layer that all four tasks, including the encoder-only glaucoma head, share),
alpha = 1.5 (Chen et al.'s NYUv2 setting), the weights have their own Adam with the
network's learning rate and start at 1; the derivative of ``|G_i - target_i|`` is taken
with the target held constant, as in GradNorm. PCGrad sums the projected gradients
(Yu et al., Algorithm 1). Also ours: every scheme handles mixed precision itself (CUDA
autocast, bf16 where supported, else fp16 with one gradient scaler shared by the
per-task optimizers), so fastai's ``MixedPrecision`` callback is not used with them.
"""
from __future__ import annotations

from collections import defaultdict
from contextlib import nullcontext
from functools import partial
from typing import Callable, Mapping, Sequence

import torch
from fastai.callback.core import Callback, CancelBatchException
from fastai.optimizer import OptimWrapper, _BaseOptimizer
from torch import nn

SCHEMES = ("stl", "vanilla", "mtl_io", "gradnorm", "pcgrad")
LABELS = {"stl": "STL", "mtl_io": "MTL-IO", "vanilla": "Vanilla MTL", "gradnorm": "GradNorm", "pcgrad": "PCGrad"}


# ---------------------------------------------------------------------------------------
# Optimizer wrapper: one optimizer per task, seen by fastai as one optimizer
# ---------------------------------------------------------------------------------------
class TaskOptimizers(_BaseOptimizer):
    """One PyTorch optimizer per task, each over the parameters that task's loss uses.

    fastai sees one optimizer: hyper-parameters set by ``fit``/``fit_one_cycle`` schedules
    (``lr``, ``mom``, ``wd``) are broadcast to every task optimizer; ``step(task)`` steps
    one of them; ``zero_grad`` clears every parameter's gradient. Each task optimizer keeps
    its own state (Adam moments), which is the point of MTL-IO.
    """

    def __init__(self, groups: Mapping[str, Sequence[nn.Parameter]], opt: Callable = torch.optim.Adam,
                 **kwargs) -> None:
        if not groups:
            raise ValueError("TaskOptimizers needs at least one task")
        self.opts = {t: OptimWrapper(list(ps), opt=opt, **kwargs) for t, ps in groups.items()}
        unique: dict[int, nn.Parameter] = {}
        for ps in groups.values():
            for p in ps:
                unique.setdefault(id(p), p)
        self._params = list(unique.values())
        self.state = defaultdict(dict)
        self.frozen_idx = 0

    @classmethod
    def for_model(cls, params, model: nn.Module, tasks: Sequence[str], opt: Callable = torch.optim.Adam,
                  **kwargs) -> "TaskOptimizers":
        """fastai ``opt_func``: ``partial(TaskOptimizers.for_model, model=..., tasks=...)``."""
        return cls({t: model.task_parameters(t) for t in tasks}, opt=opt, **kwargs)

    @property
    def hypers(self):
        return next(iter(self.opts.values())).hypers

    def _set_hyper(self, k, v) -> None:
        for o in self.opts.values():
            o._set_hyper(k, v)

    @property
    def param_lists(self):
        return [self._params]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self._params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def step(self, task: str | None = None) -> None:
        for t, o in self.opts.items():
            if task is None or t == task:
                o.step()

    def clear_state(self) -> None:
        for o in self.opts.values():
            o.clear_state()

    def state_dict(self) -> dict:
        return {t: o.state_dict() for t, o in self.opts.items()}

    def load_state_dict(self, sd: dict) -> None:
        for t, o in self.opts.items():
            o.load_state_dict(sd[t])


# ---------------------------------------------------------------------------------------
# Scheme callbacks
# ---------------------------------------------------------------------------------------
def autocast_dtype(device: torch.device, amp: bool) -> torch.dtype | None:
    """bf16 where the GPU supports it, else fp16; None (no autocast) on CPU or without AMP."""
    if not amp or device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


class SchemeCallback(Callback):
    """Base class: runs the scheme's training step in ``before_batch`` and skips fastai's.

    Subclasses implement :meth:`train_step` (forward, backward, optimizer steps) and return
    the per-task losses. Validation batches go through fastai's usual path (under autocast
    when AMP is on). ``amp``: use CUDA mixed precision.
    """

    order = 90  # after fastai's schedulers have set this batch's hyper-parameters

    def __init__(self, amp: bool = False) -> None:
        self.amp = amp
        self._valid_ctx = None

    # -- helpers -----------------------------------------------------------------------
    def before_fit(self) -> None:
        self.device = next(self.learn.model.parameters()).device
        self.dtype = autocast_dtype(self.device, self.amp)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.dtype == torch.float16)

    def autocast(self):
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        self.scaler.scale(loss).backward(**kwargs)

    def opt_step(self, opt) -> None:
        """Step a fastai ``OptimWrapper`` (through the gradient scaler when fp16)."""
        self.scaler.step(opt.opt)

    @property
    def grad_scale(self) -> float:
        return float(self.scaler.get_scale()) if self.scaler.is_enabled() else 1.0

    def forward_losses(self, x: torch.Tensor, seg: torch.Tensor, aux: torch.Tensor,
                       tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        lf = self.learn.loss_func
        tasks = tuple(tasks or lf.tasks)
        with self.autocast():
            pred = self.learn.model(x, tasks=tasks)
        return lf.task_losses(pred, seg, aux, tasks)

    # -- fastai events -------------------------------------------------------------------
    def before_batch(self) -> None:
        if not self.training:
            if self.dtype is not None:
                self._valid_ctx = self.autocast()
                self._valid_ctx.__enter__()
            return
        losses = self.train_step(self.xb[0], *self.yb)
        self.scaler.update()
        self.learn.loss_func.last = {t: v.detach() for t, v in losses.items()}
        total = torch.stack([v.detach().float() for v in losses.values()]).sum()
        self.learn.loss_grad, self.learn.loss = total, total
        raise CancelBatchException

    def after_loss(self) -> None:
        if self._valid_ctx is not None:
            self._valid_ctx.__exit__(None, None, None)
            self._valid_ctx = None

    after_cancel_batch = after_loss

    def train_step(self, x: torch.Tensor, seg: torch.Tensor, aux: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError


class VanillaMTL(SchemeCallback):
    """Sum of the task losses, one optimizer (also the step of each STL network)."""

    def train_step(self, x, seg, aux):
        losses = self.forward_losses(x, seg, aux)
        self.learn.opt.zero_grad()
        self.backward(sum(losses.values()))
        self.opt_step(self.learn.opt)
        return losses


class MTLIO(SchemeCallback):
    """Independent optimizers: per batch, for each task in turn, forward, backward, step its own Adam.

    The learner's optimizer must be a :class:`TaskOptimizers` (see :func:`scheme_opt_func`).
    """

    def train_step(self, x, seg, aux):
        opt: TaskOptimizers = self.learn.opt
        losses = {}
        for task in self.learn.loss_func.tasks:
            opt.zero_grad()
            loss = self.forward_losses(x, seg, aux, [task])[task]
            self.backward(loss)
            self.opt_step(opt.opts[task])
            losses[task] = loss.detach()
        return losses


class GradNorm(SchemeCallback):
    """GradNorm adaptive loss weights (Chen et al. 2018); ``self.weights`` holds w_i (sum = T)."""

    def __init__(self, alpha: float = 1.5, lr: float | None = None, amp: bool = False) -> None:
        super().__init__(amp)
        self.alpha, self.lr = alpha, lr
        self.weights: torch.Tensor | None = None

    def before_fit(self) -> None:
        super().before_fit()
        n = len(self.learn.loss_func.tasks)
        self.weights = torch.ones(n, device=self.device, requires_grad=True)
        self.w_opt = torch.optim.Adam([self.weights], lr=self.lr or self.learn.lr)
        self.initial = None
        self.history: list[list[float]] = []

    def weight_gradient(self, losses: torch.Tensor, norms: torch.Tensor) -> torch.Tensor:
        """d L_grad / d w with L_grad = sum_i |w_i ||grad_W L_i|| - mean(G) r_i^alpha| (target constant)."""
        g = self.weights.detach() * norms
        ratio = losses / self.initial
        target = g.mean() * (ratio / ratio.mean()) ** self.alpha
        return torch.sign(g - target) * norms

    def renormalise(self) -> None:
        with torch.no_grad():
            self.weights.clamp_(min=1e-3)
            self.weights.mul_(len(self.weights) / self.weights.sum())

    def train_step(self, x, seg, aux):
        tasks = self.learn.loss_func.tasks
        losses = self.forward_losses(x, seg, aux)
        values = torch.stack([losses[t].detach().float() for t in tasks])
        if self.initial is None:
            self.initial = values.clamp(min=1e-8)
        shared = self.learn.model.last_shared_layer()
        norms = torch.stack([
            torch.autograd.grad(self.scaler.scale(losses[t]), shared, retain_graph=True)[0].float().norm()
            for t in tasks]) / self.grad_scale
        self.learn.opt.zero_grad()
        total = sum(w * losses[t] for w, t in zip(self.weights.detach(), tasks))
        self.backward(total)
        self.opt_step(self.learn.opt)
        self.weights.grad = self.weight_gradient(values, norms)
        self.w_opt.step()
        self.renormalise()
        self.history.append(self.weights.detach().cpu().tolist())
        return losses


def pcgrad_combine(grads: torch.Tensor, generator: torch.Generator | None = None,
                   shuffle: bool = True) -> torch.Tensor:
    """PCGrad on task gradients ``grads`` (T x P): project away conflicts, return the sum (P,).

    For each task i, for each other task j (in random order when ``shuffle``): if
    ``g_i . g_j < 0``, ``g_i -= (g_i . g_j) / ||g_j||^2 g_j``, ``g_j`` being the original
    (unprojected) gradient, as in Yu et al.'s implementation.
    """
    out = grads.clone()
    n = grads.shape[0]
    for i in range(n):
        others = [j for j in range(n) if j != i]
        if shuffle:
            perm = torch.randperm(len(others), generator=generator).tolist()
            others = [others[k] for k in perm]
        for j in others:
            dot = torch.dot(out[i], grads[j])
            if dot < 0:
                out[i] = out[i] - dot / grads[j].pow(2).sum().clamp(min=1e-20) * grads[j]
    return out.sum(0)


class PCGrad(SchemeCallback):
    """PCGrad gradient surgery on the shared parameters (Yu et al. 2020), one optimizer."""

    def __init__(self, seed: int = 0, amp: bool = False) -> None:
        super().__init__(amp)
        self.generator = torch.Generator().manual_seed(seed)

    def train_step(self, x, seg, aux):
        model = self.learn.model
        tasks = self.learn.loss_func.tasks
        losses = self.forward_losses(x, seg, aux)
        shared = model.shared_parameters()
        shared_ids = {id(p) for p in shared}
        flat, own = [], {}
        for t in tasks:
            params = model.task_parameters(t)
            grads = torch.autograd.grad(self.scaler.scale(losses[t]), params, retain_graph=True, allow_unused=True)
            by_id = {id(p): g for p, g in zip(params, grads)}
            flat.append(torch.cat([(by_id.get(id(p)) if by_id.get(id(p)) is not None else torch.zeros_like(p)).flatten()
                                   for p in shared]))
            for p, g in zip(params, grads):
                if id(p) not in shared_ids and g is not None:
                    own[id(p)] = (p, g)
        combined = pcgrad_combine(torch.stack(flat).float(), self.generator)
        self.learn.opt.zero_grad()
        offset = 0
        for p in shared:
            p.grad = combined[offset:offset + p.numel()].view_as(p).to(p.dtype)
            offset += p.numel()
        for p, g in own.values():
            p.grad = g
        self.opt_step(self.learn.opt)
        return {t: v.detach() for t, v in losses.items()}


CALLBACKS: dict[str, Callable[..., SchemeCallback]] = {
    "stl": VanillaMTL, "vanilla": VanillaMTL, "mtl_io": MTLIO, "gradnorm": GradNorm, "pcgrad": PCGrad}


def scheme_callback(name: str, **kwargs) -> SchemeCallback:
    """The callback of scheme ``name`` (one of :data:`SCHEMES`)."""
    if name not in CALLBACKS:
        raise ValueError(f"unknown scheme {name!r}; choose one of {SCHEMES}")
    return CALLBACKS[name](**kwargs)


def scheme_opt_func(name: str, model: nn.Module, tasks: Sequence[str], opt: Callable = torch.optim.Adam,
                    **kwargs) -> Callable:
    """fastai ``opt_func`` for scheme ``name``: :class:`TaskOptimizers` for ``mtl_io``, else one optimizer."""
    if name == "mtl_io":
        return partial(TaskOptimizers.for_model, model=model, tasks=list(tasks), opt=opt, **kwargs)
    return partial(OptimWrapper, opt=partial(opt, **kwargs))


__all__ = ["CALLBACKS", "GradNorm", "LABELS", "MTLIO", "PCGrad", "SCHEMES", "SchemeCallback", "TaskOptimizers",
           "VanillaMTL", "autocast_dtype", "pcgrad_combine", "scheme_callback", "scheme_opt_func"]
