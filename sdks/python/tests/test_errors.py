from __future__ import annotations

from typing import Any, Dict

import httpx
import pytest

import transmute
from conftest import vectors
from transmute import Transmute

ERRORS = vectors("errors")


@pytest.mark.parametrize("child,parent", ERRORS["hierarchy"].items())
def test_hierarchy(child: str, parent: str) -> None:
    cls = getattr(transmute, child)
    assert cls.__bases__[0] is (getattr(transmute, parent) if parent else Exception)


@pytest.mark.parametrize("vector", ERRORS["vectors"], ids=lambda v: v["name"])
def test_error_vector(vector: Dict[str, Any], sleeps: list[float]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = vector["body"]
        if isinstance(body, str):
            return httpx.Response(vector["status"], text=body, headers=vector["headers"])
        return httpx.Response(vector["status"], json=body, headers=vector["headers"])

    client = Transmute(api_key="k", max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    expect = vector["expect"]
    with pytest.raises(getattr(transmute, expect["class"])) as caught:
        client.formats.list()
    error = caught.value
    assert type(error).__name__ == expect["class"]
    for field in ("status", "code", "title", "detail", "request_id", "errors"):
        if field in expect:
            assert getattr(error, field) == expect[field], field
    assert error.headers is not None and error.body is not None


def test_missing_key_names_the_option_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRANSMUTE_API_KEY", raising=False)
    client = Transmute(http_client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))))
    with pytest.raises(transmute.TransmuteError, match="api_key.*TRANSMUTE_API_KEY"):
        client.formats.list()


def test_empty_path_parameter_fails_before_sending() -> None:
    client = Transmute(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(lambda r: pytest.fail("sent"))))
    with pytest.raises(transmute.TransmuteError, match="non-empty"):
        client.jobs.retrieve("")
    with pytest.raises(transmute.TransmuteError):
        client.jobs.retrieve("..")
