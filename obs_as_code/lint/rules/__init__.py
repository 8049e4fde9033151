"""One check per module: ``<code>_<name>.py`` exposing ``CHECK``."""
