"""Importers: foreign files (dashboards, rules, SLO specs) -> Python source."""
