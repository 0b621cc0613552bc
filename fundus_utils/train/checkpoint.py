"""Checkpoint selection as a fastai callback: keep the best validated state, load it after training.

Shared by the chapters whose papers (or the authors' code) select a checkpoint by validation:
MTL-IO's saver (every 5 epochs, summed loss or the task's metric) and the RFMiD ensemble's
"best validation-loss model" with early stopping. The state is kept in memory (no files:
nothing to unpickle).
"""
from __future__ import annotations

import numpy as np
from fastai.callback.core import Callback, CancelValidException


class BestCheckpoint(Callback):
    """Validate every ``every`` epochs (and after the last), keep the best state, load it after fit.

    ``monitor``: a recorder name (``valid_loss`` or a metric such as ``dice_od``);
    ``higher_is_better`` its direction. fastai's validation is cancelled on the other
    epochs (so their recorded validation values are stale). ``log`` lists the validated
    epochs and values; ``best_epoch`` is -1 when no validated value was finite (the last
    state is then kept).
    """

    order = 0  # before the recorder: a cancelled validation costs nothing

    def __init__(self, every: int, monitor: str = "valid_loss", higher_is_better: bool = False) -> None:
        self.every, self.monitor, self.higher = max(int(every), 1), monitor, higher_is_better

    def before_fit(self) -> None:
        self.best, self.best_epoch, self.best_state, self.log, self._due = None, -1, None, [], False

    def before_validate(self) -> None:
        self._due = (self.epoch + 1) % self.every == 0 or self.epoch + 1 == self.n_epoch
        if not self._due:
            raise CancelValidException

    def after_validate(self) -> None:
        if not self._due:
            return
        mets = {("valid_loss" if i == 0 else m.name): m.value  # the recorder's first is the loss
                for i, m in enumerate(self.learn.recorder._valid_mets)}
        value = mets.get(self.monitor)
        value = float("nan") if value is None else float(value)
        self.log.append({"epoch": self.epoch + 1, self.monitor: value})
        if np.isfinite(value) and (self.best is None or (value > self.best if self.higher else value < self.best)):
            self.best, self.best_epoch = value, self.epoch + 1
            self.best_state = {k: v.detach().clone() for k, v in self.learn.model.state_dict().items()}

    def after_fit(self) -> None:
        self.last_state = {k: v.detach().cpu().clone() for k, v in self.learn.model.state_dict().items()}
        if self.best_state is not None:
            self.learn.model.load_state_dict(self.best_state)

    def summary(self) -> dict:
        return {"monitor": self.monitor, "higher_is_better": self.higher, "every": self.every,
                "best_epoch": self.best_epoch, "best": self.best, "log": self.log}
