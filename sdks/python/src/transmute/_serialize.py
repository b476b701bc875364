"""Turning call arguments into JSON and query strings, and response bodies into models."""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, Mapping, Type, TypeVar, cast

import httpx
from pydantic import BaseModel, TypeAdapter

from ._types import NotGiven

T = TypeVar("T")


def to_json(value: Any) -> Any:
    """NOT_GIVEN is dropped (omitted), None stays (sent as null), models use their wire names."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {key: to_json(item) for key, item in value.items() if not isinstance(item, NotGiven)}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def to_query(query: Mapping[str, Any]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for name, value in query.items():
        if value is None or isinstance(value, NotGiven):
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, datetime):
            out[name] = value.isoformat()
        else:
            out[name] = str(value)
    return out


def read_body(response: httpx.Response) -> object:
    """JSON when the response says so, else the text."""
    if response.status_code == 204 or not response.content:
        return None
    text = response.text
    if "json" in (response.headers.get("content-type") or ""):
        try:
            parsed: object = json.loads(text)
            return parsed
        except ValueError:
            return text
    return text


@lru_cache(maxsize=None)
def _adapter(cast_to: Any) -> "TypeAdapter[Any]":
    return TypeAdapter(cast_to)


def validate(cast_to: Type[T], value: object) -> T:
    """`value` as a `cast_to`: unknown fields kept, unknown enum values accepted."""
    target: Any = cast_to
    return cast(T, _adapter(target).validate_python(value))


def parse_as(cast_to: Any, response: httpx.Response) -> Any:
    if cast_to is None:
        return None
    if cast_to is str:
        return response.text
    return _adapter(cast_to).validate_python(read_body(response))
