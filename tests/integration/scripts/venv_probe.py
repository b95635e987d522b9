"""Run by tests/integration/test_virtualenv.py: what the script sees of its virtual environment."""

import json
import multiprocessing
import subprocess
import sys

import orthanc
import venv_only_probe  # installed in the venv's site-packages only
import venv_pth_probe  # on sys.path only through a .pth file of the venv


def on_info(output, uri, **request):
    with multiprocessing.Pool(2) as pool:
        squares = pool.map(venv_only_probe.square, [1, 2, 3])
    child = subprocess.run([sys.executable, "-c", "import sys, venv_only_probe; print(sys.prefix)"],
                           capture_output=True, text=True, timeout=60)
    answer = {
        "executable": sys.executable,
        "prefix": sys.prefix,
        "probe": venv_only_probe.VALUE,
        "pth_probe": venv_pth_probe.VALUE,
        "pool": squares,
        "start_method": multiprocessing.get_start_method(),
        "subprocess_prefix": child.stdout.strip() or child.stderr,
    }
    output.AnswerBuffer(json.dumps(answer), "application/json")


orthanc.RegisterRestCallback("/venv/info", on_info)
