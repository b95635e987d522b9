"""The coverage report: which SDK functions the `orthanc` module offers, and why not the others.

Data first, views second, one job per module:

- inputs.py    turns the command line (`--sdk`, `--header`, `--model`, `--history`, `--compare`)
               into models: the target SDK's, the per-release models of a history, an older one
               to compare with;
- build.py     reads the wrap plan of each model and fills the coverage document (document.py):
               every function with its status, reason, Python names, since-version and
               deprecated mark, grouped by the header's doc group; a row per release of a
               history; the differences between two releases;
- schema.py    derives the JSON Schema of that document from its dataclasses (the committed
               coverage.schema.json), writes coverage.json and reads it back (for baselines);
- gates.py     the CI checks on a document: a minimum percentage, no wrapped function lost
               since a baseline, no function left without a rule;
- chart.py     the geometry of the history chart; render.py fills the Jinja2 templates of
               templates/ (Markdown, a self-contained HTML page, the SVG) from the document;
- console.py   the one-screen summary; index.py the index page over several reports;
               readme.py the summary block kept current in README-like files;
- batch.py     the reports `nox -s coverage` makes, listed in reports.yaml;
- cli.py       `python -m generator coverage` and `python -m generator coverage-index`.
"""
