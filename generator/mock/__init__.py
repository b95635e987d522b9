"""The mock `orthanc` module: script authors unit-test their scripts without Orthanc.

`python -m generator mock --sdk VERSION -o DIR` renders, from the same model and wrap plan as the
plugin, a pure-Python `orthanc.py` (every name of that SDK release: enums with their values,
classes, functions whose arguments are checked as the plugin checks them) and copies
`orthanc_mock.py`, the hand-written harness that records registrations, fakes the REST API and
DICOM instances, and drives the script's callbacks.  The two travel together: a new SDK release
regenerates both.
"""
