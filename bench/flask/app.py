"""The seed's design, for comparison: Flask under gunicorn, as the seed document builds it.

- ``/health``: liveness, a constant JSON answer (``jsonify``).
- ``/ready``: readiness, an SQLite ``SELECT 1`` whose result is cached for 1 s (the seed's
  "cache dependency results briefly"), 503 when it fails.

Run by ``bench/run`` as ``gunicorn -w N app:app`` (sync workers, the default).
"""

import sqlite3
import time

from flask import Flask, jsonify

app = Flask(__name__)

CACHE_SECONDS = 1.0
_db = None
_cached = (0.0, None)  # (monotonic time of the check, result)


def _database():
    global _db
    if _db is None:
        _db = sqlite3.connect(":memory:", check_same_thread=False)
    return _db


def cached_db_status():
    global _cached
    now = time.monotonic()
    at, ok = _cached
    if ok is None or now - at >= CACHE_SECONDS:
        try:
            _database().execute("SELECT 1").fetchone()
            ok = True
        except sqlite3.Error:
            ok = False
        _cached = (now, ok)
    return ok


@app.route("/health")
def health():
    return jsonify(status="pass")


@app.route("/ready")
def ready():
    if cached_db_status():
        return jsonify(status="pass")
    return jsonify(status="fail"), 503
