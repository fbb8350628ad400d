"""Learning-rate decay schedules (``torch.optim.lr_scheduler.LRScheduler`` subclasses) and running averages.

``StepDecay`` (α₀ γ^⌊t/s⌋), ``ExponentialDecay`` (α₀ e^{−kt}), ``InverseTimeDecay`` (α₀ / (1 + kt)),
and ``RunningAverage`` / ``mean_decay`` (α_N = 1 − 1/N makes the running average the exact mean).
"""

from reproductions.schedules.exponential import ExponentialDecay
from reproductions.schedules.inverse_time import InverseTimeDecay
from reproductions.schedules.running_average import RunningAverage, mean_decay, running_average
from reproductions.schedules.step import StepDecay

__all__ = ["StepDecay", "ExponentialDecay", "InverseTimeDecay", "RunningAverage", "mean_decay", "running_average"]
