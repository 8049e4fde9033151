"""Model -> plain data (dicts and lists) wrapped in :class:`~obs_as_code.artifacts.Artifact`."""
