"""Tests of obs_as_code.grafana (a package so its conftest does not shadow tests/conftest.py)."""
