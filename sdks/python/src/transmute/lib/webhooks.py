"""The webhooks resource: the generated methods plus signature verification."""
from __future__ import annotations

from typing import Mapping, Optional, Union

from ..resources.webhooks import AsyncWebhooks as _GeneratedAsyncWebhooks
from ..resources.webhooks import Webhooks as _GeneratedWebhooks
from ..types.models import Event
from ._signature import Secrets, WebhookVerificationError, verify_signature

__all__ = ["Webhooks", "AsyncWebhooks", "WebhookVerificationError"]


class _Verifier:
    def verify(self, payload: Union[str, bytes], headers: Mapping[str, str], secrets: Secrets, *, now: Optional[float] = None) -> Event:
        """Returns the parsed event once a signature matches one of `secrets` (several during a
        rotation) within 5 minutes; raises WebhookVerificationError otherwise. Unknown event types
        and fields are kept."""
        verify_signature(payload, headers, secrets, now=now)
        return Event.model_validate_json(payload)

    def unwrap(self, payload: Union[str, bytes], headers: Mapping[str, str], secrets: Secrets, *, now: Optional[float] = None) -> Event:
        """The same as `verify`, under the name other SDKs use for "verify and parse"."""
        return self.verify(payload, headers, secrets, now=now)


class Webhooks(_GeneratedWebhooks, _Verifier):
    pass


class AsyncWebhooks(_GeneratedAsyncWebhooks, _Verifier):
    pass
