"""The model of an SDK release for the mock and stub tests, or a skip saying why there is none."""

from __future__ import annotations

from typing import Any

import pytest


def sdk_model(sdk: str) -> Any:
    """Header from $ORTHANC_SDK_HEADERS, the cache or the system (as `python -m generator mock --sdk`)."""
    from generator.parse.header_parser import model_from_header
    from generator.sdk.errors import SdkError
    from generator.sdk.resolve import resolve_header

    try:
        resolved = resolve_header(sdk)
    except SdkError as error:
        pytest.skip(f"no SDK {sdk} header: {error}")
    return model_from_header(resolved.path, resolved.version)
