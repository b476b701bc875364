"""The contract environment as a child process (sdks/conformance/contract/server.ts): the real server
on its own database of the real PostgreSQL, an OpenID provider, and, once its stdin closes, the
coverage report on stderr with exit code 3 when an operation of the spec was never reached."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import List, Tuple

import httpx

ROOT = Path(__file__).resolve().parents[4]
SERVER = ROOT / "sdks" / "conformance" / "contract" / "server.ts"


def _node() -> str:
    """Node 24 (it runs the TypeScript harness as is): TRANSMUTE_NODE, the repository's own, or PATH."""
    search = os.pathsep.join([str(ROOT / ".tools" / "node-24.22.3" / "bin"), os.environ.get("PATH", "")])
    node = os.environ.get("TRANSMUTE_NODE") or shutil.which("node", path=search)
    if node is None:
        raise RuntimeError("node 24 not found (.tools/node-24.22.3, TRANSMUTE_NODE or PATH)")
    return node


class ContractEnvironment:
    url: str
    key: str
    """An API key with every key scope, on an account of its own."""

    def __init__(self) -> None:
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL is not set: the contract suite needs the real PostgreSQL")
        self._process = subprocess.Popen(
            [_node(), str(SERVER)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        # Drained all along: a full stderr pipe would block the server before it reports.
        self._stderr: List[str] = []
        self._drain = threading.Thread(target=self._stderr.extend, args=(self._process.stderr,), daemon=True)
        self._drain.start()
        line = self._process.stdout.readline()
        if not line:
            code, report = self.stop()
            raise RuntimeError(f"the contract environment did not start (exit {code}):\n{report}")
        started = json.loads(line)
        self.url, self.key, self._driver = started["url"], started["key"], started["driver_url"]

    def sign_in_at_provider(self, authorization_url: str) -> str:
        """Plays the browser at the identity provider; returns the callback URL with code and state."""
        response = httpx.post(f"{self._driver}/oidc/sign-in", json={"authorization_url": authorization_url}, timeout=30)
        response.raise_for_status()
        callback_url: str = response.json()["callback_url"]
        return callback_url

    def stop(self) -> Tuple[int, str]:
        """Closes stdin (the harness's signal to stop); returns its exit code and its stderr report."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        code = self._process.wait(timeout=120)
        self._drain.join(timeout=10)
        return code, "".join(self._stderr)
