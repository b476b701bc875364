"""The README's Python examples run, in order, against the contract environment, as a reader would
run them with TRANSMUTE_API_KEY and TRANSMUTE_BASE_URL set; they also pass mypy --strict."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from transmute._operations import OPERATIONS

from .conftest import User
from .environment import ROOT, ContractEnvironment
from .receiver import WebhookReceiver
from .support import PASSWORD

README = Path(__file__).resolve().parents[2] / "README.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks() -> List[Tuple[int, str]]:
    """Each ```python block with the README line it starts on."""
    text = README.read_text()
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in PYTHON_BLOCK.finditer(text)]


def as_module() -> str:
    """The blocks as one module, each at its README line, so errors point into the README."""
    source = ""
    for line, code in python_blocks():
        source += "\n" * (line - 1 - source.count("\n")) + code
    return source


def test_the_examples_run(environment: ContractEnvironment, user: User, api_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with WebhookReceiver() as receiver:
        endpoint = user.client.webhooks.create_endpoint(url=receiver.url, events=["job.succeeded"])
        for name, value in {
            "TRANSMUTE_BASE_URL": environment.url,
            "TRANSMUTE_API_KEY": api_key,
            "TRANSMUTE_EMAIL": user.email,
            "TRANSMUTE_PASSWORD": PASSWORD,
            "TRANSMUTE_WEBHOOK_SECRETS": endpoint.secret,
            "TRANSMUTE_OIDC_PROVIDER": "test",
        }.items():
            monkeypatch.setenv(name, value)
        namespace: Dict[str, Any] = {"__name__": "readme"}
        exec(compile(as_module(), str(README), "exec"), namespace)

        # The handler the README defines, on what the server delivered for the README's job.
        delivery = receiver.wait_for(lambda d: namespace["job"].id.encode() in d.body)
        assert namespace["handle_webhook"](delivery.body, delivery.headers) == 200
        assert namespace["handle_webhook"](delivery.body.replace(b"succeeded", b"failed"), delivery.headers) == 400


def test_the_examples_type_check(tmp_path: Path) -> None:
    module = tmp_path / "readme.py"
    module.write_text(as_module())
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(ROOT / ".tools" / "mypy-cache"), str(module)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(README.parent / "src")},
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_method_table_names_every_operation() -> None:
    text = README.read_text()
    assert [f"{resource}.{method}" for resource, method in OPERATIONS.values() if f"| `{resource}.{method}` |" not in text] == []
