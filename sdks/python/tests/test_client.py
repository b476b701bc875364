from __future__ import annotations

import json
import platform
from typing import Any, Dict, List

import httpx
import pytest

from conftest import json_response, vectors
from transmute import APIStatusError, Transmute, __version__, models
from transmute._logging import redact_headers
from test_pagination import job


def recording(seen: List[httpx.Request], body: Any, status: int = 200, headers: Dict[str, str] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response(status, body, headers)

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSMUTE_API_KEY", "env-key")
    monkeypatch.setenv("TRANSMUTE_BASE_URL", "http://env.example/")
    seen: List[httpx.Request] = []
    Transmute(http_client=recording(seen, {"data": []})).formats.list()
    assert str(seen[0].url) == "http://env.example/v1/formats"
    assert seen[0].headers["authorization"] == "Bearer env-key"
    seen.clear()
    Transmute(api_key="explicit", base_url="http://x.example", http_client=recording(seen, {"data": []})).formats.list()
    assert seen[0].headers["authorization"] == "Bearer explicit" and seen[0].url.host == "x.example"


def test_user_agent_and_default_headers() -> None:
    seen: List[httpx.Request] = []
    Transmute(api_key="k", default_headers={"X-Team": "a"}, http_client=recording(seen, {"data": []})).formats.list()
    assert seen[0].headers["user-agent"] == f"transmute-python/{__version__} (python/{platform.python_version()}; {platform.system().lower()})"
    assert seen[0].headers["x-team"] == "a"


def test_keyword_escape_and_three_states() -> None:
    seen: List[httpx.Request] = []
    client = Transmute(api_key="k", http_client=recording(seen, job("job_1"), 202))
    client.jobs.create(from_="json", to="csv", input="[]")
    assert json.loads(seen[0].content) == {"from": "json", "to": "csv", "input": "[]"}
    seen.clear()
    client._http = recording(seen, {"id": "acct_1", "email": "a@b.c", "name": None, "plan": "free", "email_verified": True, "mfa_enabled": False, "created_at": "2026-09-21T12:53:20Z"})
    client.me.update_account(name=None)
    assert json.loads(seen[0].content) == {"name": None}


def test_unknown_fields_and_enum_values_are_kept() -> None:
    body = {**job("job_1"), "status": "paused", "shiny_new_field": 7}
    result = Transmute(api_key="k", http_client=recording([], body)).jobs.retrieve("job_1")
    assert result.status == "paused"
    assert result.model_extra == {"shiny_new_field": 7}
    assert result.created_at.year == 2026


def test_raw_response_and_request_id() -> None:
    raw = Transmute(api_key="k", http_client=recording([], job("job_1"))).jobs.with_raw_response.retrieve("job_1")
    assert raw.request_id == "req_test" and raw.status_code == 200
    assert isinstance(raw.parse(), models.Job)


def test_path_parameters_are_encoded() -> None:
    seen: List[httpx.Request] = []
    Transmute(api_key="k", http_client=recording(seen, job("a/b"))).jobs.retrieve("a/b")
    assert seen[0].url.raw_path == b"/v1/jobs/a%2Fb"


def test_create_and_wait_polls_until_final(sleeps: List[float]) -> None:
    states = iter(["queued", "running", "succeeded"])
    seen: List[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        headers = {"retry-after": "2"} if len(seen) == 2 else {}
        return json_response(202 if request.method == "POST" else 200, {**job("job_1"), "status": next(states)}, headers)

    client = Transmute(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    final = client.jobs.create_and_wait(from_="json", to="csv", input="[]", poll_interval=0.1)
    assert final.status == "succeeded"
    assert [r.method for r in seen] == ["POST", "GET", "GET"]
    assert sleeps == [0.1, 2.0]


def test_debug_log_redacts_credentials(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("DEBUG", logger="transmute"):
        Transmute(api_key="secret-key", http_client=recording([], {"data": []})).formats.list()
    assert "/v1/formats -> 200" in caplog.text
    assert "secret-key" not in caplog.text and "[redacted]" in caplog.text


def test_a_documented_redirect_is_the_answer_and_is_never_followed() -> None:
    seen: List[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"location": "https://idp.example/authorize", "set-cookie": "transmute_oidc=v; path=/", "x-request-id": "req_test"})

    # Even a client configured to follow redirects does not take the call elsewhere.
    client = Transmute(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True))
    started = client.auth.with_raw_response.start_oidc_sign_in("google")
    assert started.status_code == 302 and started.parse() is None
    assert started.headers["location"] == "https://idp.example/authorize" and started.headers["set-cookie"].startswith("transmute_oidc=v")
    client.auth.start_oidc_sign_in("google")
    assert len(seen) == 2
    # Where the spec documents no redirect, one is an error.
    with pytest.raises(APIStatusError) as caught:
        client.jobs.retrieve("job_1")
    assert caught.value.status == 302 and len(seen) == 3


def test_extra_query_parameters_are_sent() -> None:
    seen: List[httpx.Request] = []
    client = Transmute(api_key="k", http_client=recording(seen, {"mfa_required": False}))
    client.auth.complete_oidc_sign_in("google", code="c", state="s", request_options={"extra_query": {"iss": "https://idp.example"}})
    assert dict(seen[0].url.params) == {"code": "c", "state": "s", "iss": "https://idp.example"}


def test_debug_log_redacts_the_shared_header_set(caplog: pytest.LogCaptureFixture) -> None:
    """sdks/conformance/logging.json: the same headers redacted, the same way, in every SDK."""
    logging = vectors("logging")
    with caplog.at_level("DEBUG", logger="transmute"):
        Transmute(api_key="k", http_client=recording([], {"data": []})).formats.list(request_options={"headers": logging["headers"]})
    for name, value in logging["headers"].items():
        secret = name.lower() in logging["redacted"]
        assert (value in caplog.text) is not secret, f"{name} {'leaked' if secret else 'missing'}"
    expected = {name: logging["replacement"] if name.lower() in logging["redacted"] else value for name, value in logging["headers"].items()}
    assert redact_headers(logging["headers"]) == expected
