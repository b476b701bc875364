"""Request paths from the spec's templates. An empty or dot-segment parameter would address another
resource (`/v1/jobs/` lists, `/v1/jobs/..` climbs), so it is refused before anything is sent."""
from __future__ import annotations

import re
from typing import Mapping
from urllib.parse import quote

from ._exceptions import TransmuteError

_PARAM = re.compile(r"\{(\w+)\}")


def build_path(template: str, params: Mapping[str, str]) -> str:
    def fill(match: "re.Match[str]") -> str:
        name = match.group(1)
        value = params.get(name)
        if not isinstance(value, str) or value == "":
            raise TransmuteError(f"Path parameter `{name}` must be a non-empty string.")
        if value in (".", ".."):
            raise TransmuteError(f'Path parameter `{name}` must not be "{value}".')
        return quote(value, safe="")

    return _PARAM.sub(fill, template)
