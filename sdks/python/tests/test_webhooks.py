from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from conftest import vectors
from transmute import Transmute, WebhookVerificationError

WEBHOOKS = vectors("webhooks")


@pytest.mark.parametrize("vector", WEBHOOKS["vectors"], ids=lambda v: v["name"])
def test_webhook_vector(vector: Dict[str, Any]) -> None:
    webhooks = Transmute(api_key="k").webhooks
    if vector["valid"]:
        # verify only checks; unwrap checks the same way and returns the typed event.
        assert webhooks.verify(vector["payload"], vector["headers"], vector["secrets"], now=vector["now"]) is None  # type: ignore[func-returns-value]
        event = webhooks.unwrap(vector["payload"], vector["headers"], vector["secrets"], now=vector["now"])
        assert event.model_dump(by_alias=True, mode="json") == json.loads(vector["payload"])
    else:
        with pytest.raises(WebhookVerificationError):
            webhooks.verify(vector["payload"], vector["headers"], vector["secrets"], now=vector["now"])
        with pytest.raises(WebhookVerificationError):
            webhooks.unwrap(vector["payload"], vector["headers"], vector["secrets"], now=vector["now"])


def test_tolerance_matches_the_vectors() -> None:
    from transmute.lib._signature import WEBHOOK_TOLERANCE_SECONDS

    assert WEBHOOK_TOLERANCE_SECONDS == WEBHOOKS["tolerance_seconds"]
