from __future__ import annotations

from typing import Any, Dict

import pytest

from conftest import vectors
from transmute import Transmute, WebhookVerificationError

WEBHOOKS = vectors("webhooks")


@pytest.mark.parametrize("vector", WEBHOOKS["vectors"], ids=lambda v: v["name"])
def test_webhook_vector(vector: Dict[str, Any]) -> None:
    webhooks = Transmute(api_key="k").webhooks
    if vector["valid"]:
        verified = webhooks.verify(vector["payload"], vector["headers"], vector["secrets"], now=vector["now"])
        unwrapped = webhooks.unwrap(vector["payload"], vector["headers"], vector["secrets"], now=vector["now"])
        assert verified.id and verified == unwrapped
    else:
        with pytest.raises(WebhookVerificationError):
            webhooks.verify(vector["payload"], vector["headers"], vector["secrets"], now=vector["now"])


def test_tolerance_matches_the_vectors() -> None:
    from transmute.lib._signature import WEBHOOK_TOLERANCE_SECONDS

    assert WEBHOOK_TOLERANCE_SECONDS == WEBHOOKS["tolerance_seconds"]
