"""Test factories and shared helpers, one module per domain.

Plain modules (never conftest files), so tests and support code import them
like any other code; fixtures stay in the conftest.py files.
"""
