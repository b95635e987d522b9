"""Real script errors that the stub must let mypy find (one per line marked `# error`)."""

from __future__ import annotations

from typing import Any

import orthanc


def on_change(change_type: str, resource_type: int, resource_id: str) -> None:
    pass


def on_rest(output: orthanc.RestOutput, uri: str, method: str) -> None:
    pass


def http_filter(uri: str, **request: Any) -> str:
    return "yes"


def on_move(level: str) -> None:
    pass


orthanc.RegisterOnChangeCallback(on_change)  # error
orthanc.RegisterRestCallback("/r", on_rest)  # error
orthanc.RegisterIncomingHttpRequestFilter(http_filter)  # error
orthanc.RegisterMoveCallback(on_move)  # error
orthanc.LogInfo(3)  # error
orthanc.CreateImage(2, 2, 2)  # error
size: str = orthanc.CreateImage(orthanc.PixelFormat.RGB24, 2, 2).GetImageWidth()  # error
orthanc.ChangeType.NEW_STUDY = 4  # error
