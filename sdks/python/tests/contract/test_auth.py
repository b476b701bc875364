"""auth: sign-up, log-in, refresh, log-out, two-factor, and sign-in with an identity provider."""
from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import pytest

from transmute import AsyncTransmute, AuthenticationError, NotFoundError, Transmute

from .conftest import User
from .environment import ContractEnvironment
from .support import PASSWORD, totp, unique_email

OIDC_PROVIDER = "test"
OIDC_COOKIE = "transmute_oidc"


def test_sign_up_log_in_refresh_and_log_out(environment: ContractEnvironment) -> None:
    with Transmute(base_url=environment.url) as client:
        email = unique_email()
        session = client.auth.sign_up(email=email, password=PASSWORD)
        assert session.account.email == email and session.account.plan == "free" and not session.account.mfa_enabled
        assert session.tokens.token_type == "Bearer" and session.tokens.expires_in > 0

        login = client.auth.log_in(email=email, password=PASSWORD)
        assert login.mfa_required is False and login.tokens is not None
        refreshed = client.auth.refresh_tokens(refresh_token=login.tokens.refresh_token)
        assert refreshed.refresh_token != login.tokens.refresh_token

        with pytest.raises(AuthenticationError) as wrong:
            client.auth.log_in(email=email, password="not the password")
        assert wrong.value.code == "E1108"

    with Transmute(api_key=refreshed.access_token, base_url=environment.url) as user:
        user.auth.log_out()
    with Transmute(base_url=environment.url) as client, pytest.raises(AuthenticationError) as after:
        client.auth.refresh_tokens(refresh_token=refreshed.refresh_token)
    assert after.value.code == "E1111"


def test_two_factor(environment: ContractEnvironment, user: User) -> None:
    setup = user.client.auth.set_up_two_factor()
    assert setup.otpauth_url.startswith("otpauth://totp/")
    recovery = user.client.auth.enable_two_factor(code=totp(setup.secret)).recovery_codes
    assert len(recovery) == 10 and user.client.me.get_account().mfa_enabled

    with Transmute(base_url=environment.url) as client:
        login = client.auth.log_in(email=user.email, password=PASSWORD)
        assert login.mfa_required is True and login.tokens is None and login.mfa_token
        with pytest.raises(AuthenticationError) as wrong:
            client.auth.complete_mfa_login(mfa_token=login.mfa_token, code="000000")
        assert wrong.value.code == "E1112"
        # The code that enabled two-factor is spent; a recovery code signs in once.
        tokens = client.auth.complete_mfa_login(mfa_token=login.mfa_token, code=recovery[0])
        assert tokens.access_token

    user.client.auth.disable_two_factor(code=recovery[1])
    assert user.client.me.get_account().mfa_enabled is False


def test_sign_in_with_an_identity_provider(environment: ContractEnvironment) -> None:
    with Transmute(base_url=environment.url) as client:
        # The answer is the 302 itself: the SDK does not follow it, and the raw response carries
        # the Location and the sign-in cookie a browser would take along.
        started = client.auth.with_raw_response.start_oidc_sign_in(OIDC_PROVIDER)
        assert started.status_code == 302 and started.parse() is None
        cookie = SimpleCookie(started.headers["set-cookie"])[OIDC_COOKIE].value
        callback = urlsplit(environment.sign_in_at_provider(started.headers["location"]))
        query = {name: values[0] for name, values in parse_qs(callback.query).items()}

        with pytest.raises(NotFoundError):
            client.auth.start_oidc_sign_in("no-such-provider")

    # A new client, so only the per-call header (not a cookie jar) can carry the sign-in cookie.
    with Transmute(base_url=environment.url) as browser:
        # The provider's other parameters (RFC 9207 `iss`) go back unchanged, as in a browser.
        extra = {name: value for name, value in query.items() if name not in ("code", "state")}
        result = browser.auth.complete_oidc_sign_in(
            OIDC_PROVIDER,
            code=query["code"],
            state=query["state"],
            request_options={"headers": {"Cookie": f"{OIDC_COOKIE}={cookie}"}, "extra_query": extra},
        )
    assert result.mfa_required is False and result.tokens is not None
    with Transmute(api_key=result.tokens.access_token, base_url=environment.url) as signed_in:
        assert signed_in.me.get_account().email == "alice@example.com"


def test_async_auth(environment: ContractEnvironment) -> None:
    async def run() -> None:
        async with AsyncTransmute(base_url=environment.url) as client:
            email = unique_email()
            session = await client.auth.sign_up(email=email, password=PASSWORD, name="Grace")
            assert session.account.name == "Grace"
            login = await client.auth.log_in(email=email, password=PASSWORD)
            assert login.tokens is not None
            refreshed = await client.auth.refresh_tokens(refresh_token=login.tokens.refresh_token)
            await client.auth.start_oidc_sign_in(OIDC_PROVIDER)  # the 302 is the answer: no error, nothing to return
        async with AsyncTransmute(api_key=refreshed.access_token, base_url=environment.url) as user:
            setup = await user.auth.set_up_two_factor()
            recovery = (await user.auth.enable_two_factor(code=totp(setup.secret))).recovery_codes
            await user.auth.disable_two_factor(code=recovery[0])
            await user.auth.log_out(all_sessions=True)

    asyncio.run(run())
