"""The baseline for bench/certificate_scan.py: a bare Flask endpoint, served the same way."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/bare")
def bare():
    return jsonify({"valid": True, "status": "active"})
