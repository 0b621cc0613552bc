"""Training: fast in-memory fastai loaders, learners with the book's defaults, losses, metrics."""
import warnings as _warnings

with _warnings.catch_warnings():  # import-time noise of fastai 2.8 with torch 2.14 / pandas 3
    _warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*is deprecated")
    _warnings.filterwarnings("ignore", message=r".*mode\.chained_assignment.*")
    import fastai.learner  # noqa: F401
    import fastai.callback.schedule  # noqa: F401  (fit_one_cycle, lr_find)
    import fastai.callback.progress  # noqa: F401
    import fastai.callback.fp16  # noqa: F401

from .learner import make_learner, predict_batches, set_progress  # noqa: E402
from .loaders import TensorDataLoader, holdout_dls, random_flips, tensor_dls  # noqa: E402
from .losses import DiceBCELoss, FocalLoss, class_alpha, dice_loss  # noqa: E402
from .metrics import DiceMetric, dice_per_sample  # noqa: E402

__all__ = ["DiceBCELoss", "DiceMetric", "FocalLoss", "class_alpha", "TensorDataLoader", "dice_loss", "dice_per_sample", "holdout_dls",
           "make_learner", "predict_batches", "random_flips", "set_progress", "tensor_dls"]
