"""Writing an experiment's figure: the one place that decides layout, folder, resolution and closing."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def savefig(fig: Any, out_dir: Path, name: str, dpi: int = 110) -> Path:
    """Lay out ``fig``, write it as ``out_dir/name`` (PNG), close it (figures hold memory until closed)."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
