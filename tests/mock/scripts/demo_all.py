"""The three demo scripts in one Orthanc (a plugin runs one script; each file stays testable alone)."""

import demo_changes  # noqa: F401
import demo_routes  # noqa: F401
import demo_storage  # noqa: F401
