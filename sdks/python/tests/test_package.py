"""The wheel builds, installs into a clean virtual environment, imports and ships py.typed."""
from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def test_wheel_installs_into_a_clean_venv(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(PROJECT)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("transmute-*.whl"))
    assert "transmute/py.typed" in zipfile.ZipFile(wheel).namelist()
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)], check=True)
    script = "import transmute; c = transmute.Transmute(api_key='k'); print(transmute.__version__, type(c.conversions).__name__)"
    out = subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert out.split() == [__import__("transmute").__version__, "Conversions"]
