"""schemathesis hooks for `make fuzz` (loaded through fuzz/schemathesis.toml)."""
from __future__ import annotations

import itertools
import json
import os
import threading
from typing import Any, Optional

import requests
import schemathesis
from hypothesis import strategies as st

URL = os.environ["TRANSMUTE_FUZZ_URL"]
TOKEN = os.environ["TRANSMUTE_FUZZ_TOKEN"]
PASSWORD = os.environ["TRANSMUTE_FUZZ_PASSWORD"]
# Path prefix -> the id of a real object of that kind (fuzz/seed.ts).
SEEDED: dict[str, str] = json.loads(os.environ["TRANSMUTE_FUZZ_IDS"])
# The identity provider the environment configures (sdks/conformance/contract/environment.ts).
OIDC_PROVIDER = "test"

# Operations that end the session they are called with: logOut revokes the access token and
# deleteAccount erases the account. Called with the run's own token, every later user-only case would
# be refused with 401 and test nothing, so each such call gets a user of its own, signed up for it.
SPENDS_SESSION = {"logOut", "deleteAccount"}

_emails = itertools.count(1)
_lock = threading.Lock()


def _throwaway_token() -> str:
    with _lock:
        email = f"throwaway{next(_emails)}@example.com"
    response = requests.post(f"{URL}/v1/auth/signup", json={"email": email, "password": PASSWORD}, timeout=30)
    response.raise_for_status()
    token: str = response.json()["tokens"]["access_token"]
    return token


@schemathesis.hook
def before_call(context: Any, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    # Only a case carrying the run's token: a negative case that dropped or mangled it stays as it is.
    if case.operation.definition.raw.get("operationId") in SPENDS_SESSION:
        if case.headers and case.headers.get("Authorization") == f"Bearer {TOKEN}":
            case.headers["Authorization"] = f"Bearer {_throwaway_token()}"


@schemathesis.hook
def flatmap_path_parameters(context: Any, path_parameters: Optional[dict[str, Any]]) -> Any:
    """Half the generated cases of an operation taking an id (or an identity provider) get a real
    one, so its handler runs on an object that exists; the other half keep the generated value."""
    path = context.operation.path
    real: dict[str, Any] = {}
    if not path_parameters:
        return st.just(path_parameters)
    if "id" in path_parameters:
        real = {"id": next((id for prefix, id in SEEDED.items() if path.startswith(prefix)), None)}
    elif "provider" in path_parameters:
        real = {"provider": OIDC_PROVIDER}
    if not real or None in real.values():
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, **real}])
