"""schemathesis hooks for `make fuzz` (loaded through fuzz/schemathesis.toml)."""
from __future__ import annotations

import itertools
import json
import os
import threading
from collections import defaultdict
from http.cookies import SimpleCookie
from typing import Any, Callable, Iterator, Optional
from urllib.parse import parse_qsl, urlsplit

import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation

URL = os.environ["TRANSMUTE_FUZZ_URL"]
KEY = os.environ["TRANSMUTE_FUZZ_KEY"]
TOKEN = os.environ["TRANSMUTE_FUZZ_TOKEN"]
PASSWORD = os.environ["TRANSMUTE_FUZZ_PASSWORD"]
# Path prefix -> the id of a real object of that kind (fuzz/seed.ts).
SEEDED: dict[str, str] = json.loads(os.environ["TRANSMUTE_FUZZ_IDS"])
# Accounts with two-factor sign-in and their recovery codes (fuzz/seed.ts).
TWO_FACTOR: list[dict[str, Any]] = json.loads(os.environ["TRANSMUTE_FUZZ_TWO_FACTOR"])
# Plays the browser at the identity provider (startDriver in sdks/conformance/contract/environment.ts).
DRIVER = os.environ["TRANSMUTE_FUZZ_DRIVER"]
# The identity provider the environment configures, and the cookie its sign-in travels in.
OIDC_PROVIDER = "test"
OIDC_COOKIE = "transmute_oidc"
# The environment allows webhooks to loopback (WEBHOOK_ALLOWLIST); nothing listens on port 9, so a
# delivery fails at once, which is all the fuzzing needs of it.
WEBHOOK_URL = "http://127.0.0.1:9/fuzz"

# Operations that end the session they are called with: logOut revokes the access token and
# deleteAccount erases the account. Called with the run's own token, every later user-only case would
# be refused with 401 and test nothing, so each such call gets a user of its own, signed up for it.
SPENDS_SESSION = {"logOut", "deleteAccount"}

_emails = itertools.count(1)
_turns: defaultdict[tuple[str, bool], Iterator[int]] = defaultdict(itertools.count)
_recovery = iter([(account["email"], code) for account in TWO_FACTOR for code in account["recovery_codes"]])
_lock = threading.Lock()


def _fresh_email(kind: str) -> str:
    with _lock:
        return f"{kind}{next(_emails)}@example.com"


def _post(path: str, body: Optional[dict[str, Any]] = None, **headers: str) -> Any:
    response = requests.post(f"{URL}{path}", json=body, headers=headers, timeout=30)
    response.raise_for_status()
    return response.json()


def _throwaway_token() -> str:
    token: str = _post("/v1/auth/signup", {"email": _fresh_email("throwaway"), "password": PASSWORD})["tokens"]["access_token"]
    return token


def _cancellable_job() -> str:
    # Long enough to be still converting when the cancel arrives right after it (a job that has
    # finished answers 409).
    rows = "".join(f"Ada,{n}\n" for n in range(30_000))
    job_id: str = _post("/v1/jobs", {"from": "csv", "to": "yaml", "input": f"name,age\n{rows}"}, **{"X-API-Key": KEY})["id"]
    return job_id


def _webhook_endpoint() -> str:
    created = _post("/v1/webhook-endpoints", {"url": WEBHOOK_URL, "events": ["job.succeeded"]}, **{"X-API-Key": KEY})
    endpoint_id: str = created["endpoint"]["id"]
    return endpoint_id


def _api_key() -> str:
    created = _post("/v1/api-keys", {"name": "fuzz", "scopes": ["jobs:read"]}, Authorization=f"Bearer {TOKEN}")
    key_id: str = created["api_key"]["id"]
    return key_id


# Operations that use up the object they are called on. Given the seeded one, the first such call
# would leave every later case of theirs, and of the operations sharing the object, a 404; each
# call made real gets an object of its own instead.
SPENDS_OBJECT: dict[str, Callable[[], str]] = {
    "cancelJob": _cancellable_job,
    "deleteWebhookEndpoint": _webhook_endpoint,
    "revokeApiKey": _api_key,
}


def _second_factor() -> Optional[dict[str, str]]:
    """A fresh mfa_token from a log-in of a two-factor account, with one of its recovery codes."""
    with _lock:
        spare = next(_recovery, None)
    if spare is None:
        return None
    email, code = spare
    mfa_token: str = _post("/v1/auth/login", {"email": email, "password": PASSWORD})["mfa_token"]
    return {"mfa_token": mfa_token, "code": code}


def _provider_callback() -> tuple[dict[str, str], str]:
    """The callback's query and sign-in cookie from a sign-in started here and walked at the provider."""
    started = requests.get(f"{URL}/v1/auth/oidc/{OIDC_PROVIDER}/authorize", allow_redirects=False, timeout=30)
    started.raise_for_status()
    cookie = SimpleCookie(started.headers["set-cookie"])[OIDC_COOKIE].value
    walked = requests.post(f"{DRIVER}/oidc/sign-in", json={"authorization_url": started.headers["location"]}, timeout=30)
    walked.raise_for_status()
    return dict(parse_qsl(urlsplit(walked.json()["callback_url"]).query)), cookie


def _made_real(operation_id: str, case: schemathesis.Case) -> bool:
    """Whether `case` is sent with real values: every other case of an operation, its positive and
    negative ones counted apart so each kind gets its share. The spec's examples and the values
    generated from its patterns name nothing that exists here, so with those alone an operation is
    only ever refused (404, or 401, 409, 422) and the logic behind it never runs; the other half
    keep testing those refusals."""
    positive = case.meta is None or case.meta.generation.mode.is_positive
    with _lock:
        return next(_turns[(operation_id, positive)]) % 2 == 0


def _negative_at(case: schemathesis.Case, location: ParameterLocation) -> bool:
    return case.meta is not None and case.meta.is_negative_at(location)


def _real_path(operation_id: str, case: schemathesis.Case) -> None:
    params = case.path_parameters
    if not params:
        return
    real: dict[str, Any] = {}
    if "id" in params:
        spend = SPENDS_OBJECT.get(operation_id)
        real["id"] = spend() if spend else next((id for prefix, id in SEEDED.items() if case.operation.path.startswith(prefix)), None)
    if "provider" in params:
        real["provider"] = OIDC_PROVIDER
    if real and None not in real.values():
        # A new container rather than an edit: a phase may build several cases on the same one.
        case.path_parameters = {**params, **real}


def _real_body(operation_id: str, case: schemathesis.Case) -> None:
    body = case.body
    if not isinstance(body, dict):
        return
    if operation_id == "signUp" and "email" in body and "password" in body:
        # The example's address is taken after its first use (409), and the password policy (12 to
        # 128 characters, E1115) is the server's, beyond the schema's length: the spec keeps
        # minLength 1 so a short password gets the policy's own error.
        case.body = {**body, "email": _fresh_email("fuzz-signup"), "password": PASSWORD}
    elif operation_id in ("createWebhookEndpoint", "updateWebhookEndpoint") and "url" in body:
        # The example's host does not resolve, nor do generated ones (422 E1404).
        case.body = {**body, "url": WEBHOOK_URL}
    elif operation_id == "replayEvent" and "endpoint_id" in body:
        case.body = {**body, "endpoint_id": SEEDED["/v1/webhook-endpoints/"]}
    elif operation_id == "completeMfaLogin" and "mfa_token" in body and "code" in body:
        # A generated mfa_token is never one the server signed (401 E1113).
        case.body = {**body, **(_second_factor() or {})}


@schemathesis.hook
def before_call(context: Any, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    operation_id = case.operation.definition.raw.get("operationId")
    # Only a case carrying the run's token: a negative case that dropped or mangled it stays as it is.
    if operation_id in SPENDS_SESSION:
        if case.headers and case.headers.get("Authorization") == f"Bearer {TOKEN}":
            case.headers["Authorization"] = f"Bearer {_throwaway_token()}"
    # Requests with another method probe the route, not the operation: nothing to make real.
    if case.method.upper() != case.operation.method.upper() or not _made_real(operation_id, case):
        return
    if not _negative_at(case, ParameterLocation.PATH):
        _real_path(operation_id, case)
    if not _negative_at(case, ParameterLocation.BODY):
        _real_body(operation_id, case)
    if operation_id == "completeOidcSignIn" and case.path_parameters and case.path_parameters.get("provider") == OIDC_PROVIDER:
        if not _negative_at(case, ParameterLocation.QUERY):
            query, cookie = _provider_callback()
            case.query = {**(case.query or {}), **query}
            case.headers = {**(case.headers or {}), "Cookie": f"{OIDC_COOKIE}={cookie}"}
