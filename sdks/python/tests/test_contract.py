"""The SDK against the real server process on the real PostgreSQL (tests/support/server.ts)."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from transmute import AsyncTransmute, NotFoundError, Transmute

ROOT = Path(__file__).resolve().parents[3]
NODE = os.environ.get("TRANSMUTE_NODE") or shutil.which("node", path=f"{ROOT / '.tools' / 'node-24.22.3' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture(scope="module")
def server() -> Iterator[Dict[str, Any]]:
    if os.environ.get("TRANSMUTE_SKIP_CONTRACT") == "1":
        pytest.skip("TRANSMUTE_SKIP_CONTRACT=1")
    assert NODE, "node 24 not found (.tools/node-24.22.3 or TRANSMUTE_NODE)"
    assert os.environ.get("DATABASE_URL"), "DATABASE_URL is not set: the contract test needs the real PostgreSQL"
    process = subprocess.Popen([NODE, str(Path(__file__).parent / "support" / "server.ts")], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, "the test server did not start"
        yield json.loads(line)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


def test_formats_conversions_and_jobs(server: Dict[str, Any]) -> None:
    with Transmute(api_key=server["key"], base_url=server["url"]) as client:
        raw = client.formats.with_raw_response.list()
        assert raw.request_id
        assert any(f.id == "csv" for f in raw.parse().data)
        conversion = client.conversions.create(from_="json", to="csv", input='[{"a":1},{"a":2}]')
        assert conversion.output.strip() == "a\r\n1\r\n2"
        job = client.jobs.create_and_wait(from_="json", to="ndjson", input='[{"a":1}]', deadline=30, poll_interval=0.05)
        assert job.status == "succeeded"
        assert client.jobs.get_result(job.id).strip() == '{"a":1}'
        assert job.id in [j.id for j in client.jobs.list(limit=1)]
        with pytest.raises(NotFoundError) as caught:
            client.jobs.retrieve("job_" + "0" * 24)
        assert caught.value.code and caught.value.request_id


def test_user_token_lists_api_keys_and_reads_me(server: Dict[str, Any]) -> None:
    async def run() -> None:
        async with AsyncTransmute(api_key=server["token"], base_url=server["url"]) as user:
            me = await user.me.get_account()
            assert me.email == "python-sdk-contract@example.com"
            created = await user.api_keys.create(name="python", scopes=["jobs:read"])
            assert created.api_key.id in [k.id async for k in user.api_keys.list()]

    asyncio.run(run())
