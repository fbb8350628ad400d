"""Writing an experiment's figure: the one place that decides layout, resolution and closing."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def save_figure(fig: Any, path: Path, dpi: int = 90) -> Path:
    """Lay out ``fig``, write it as a PNG at ``path``, close it (figures hold memory until closed)."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
