"""Paths to the Node tools the checks run (`make node_modules` installs them with npm ci)."""

from pathlib import Path

import pytest

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
LIGHTHOUSE = NODE_MODULES / ".bin" / "lighthouse"


def require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make node_modules` (npm ci)")
    return path
