"""Fixtures of the contract suite. ONE environment serves the whole run, so the coverage it reports
when it stops is the union of every test, and the run fails when some operation of the spec was
never reached (a new operation fails here until this suite calls it)."""
from __future__ import annotations

from typing import Iterator, NamedTuple

import pytest

from transmute import Transmute, models

from .environment import ContractEnvironment
from .support import PASSWORD, unique_email

# Every key scope (DESIGN.md): keys cannot manage keys or the account.
KEY_SCOPES = ["conversions:write", "jobs:read", "jobs:write", "webhooks:read", "webhooks:write", "usage:read"]


@pytest.fixture(scope="session")
def environment() -> Iterator[ContractEnvironment]:
    started = ContractEnvironment()
    yield started
    code, report = started.stop()
    assert code == 0, f"the contract environment exited with {code}:\n{report}"


class User(NamedTuple):
    email: str
    session: models.Session
    client: Transmute
    """Authenticated with the account's access token."""


@pytest.fixture
def user(environment: ContractEnvironment) -> Iterator[User]:
    """A new account, signed up through the SDK. Each test gets its own, so its rate-limit window
    (60 requests a minute on the free plan) and its data are its own too."""
    with Transmute(base_url=environment.url) as anonymous:
        email = unique_email()
        session = anonymous.auth.sign_up(email=email, password=PASSWORD, name="Ada")
    with Transmute(api_key=session.tokens.access_token, base_url=environment.url) as client:
        yield User(email, session, client)


@pytest.fixture
def api_key(user: User) -> str:
    """A new API key with every key scope, created by `user` through the SDK."""
    return user.client.api_keys.create(name="contract", scopes=KEY_SCOPES).secret


@pytest.fixture
def client(environment: ContractEnvironment, api_key: str) -> Iterator[Transmute]:
    with Transmute(api_key=api_key, base_url=environment.url) as keyed:
        yield keyed
