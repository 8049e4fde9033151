"""Importers: existing files (dashboard JSON, rule YAML, Sloth, OpenSLO) -> Python source."""
