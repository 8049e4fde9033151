"""Checks over the loaded project: structure at build time, meaning in ``oac lint``."""
