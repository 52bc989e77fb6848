"""A bare Flask app answering a small JSON envelope: the baseline of bench_throughput.py.

Served by uWSGI with the manager's settings (`--module hello_app:app`, bench/ on PYTHONPATH). It
answers any path and method, so the load generator sends it exactly what it sends the manager.
"""

from __future__ import annotations

from flask import Flask
from flask import jsonify
from flask.typing import ResponseReturnValue

app = Flask("hello")


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def hello(path: str) -> ResponseReturnValue:
    return jsonify(code=200, msg="operation succeed", path=path)
