"""``python -m obs_as_code.e2e.panel_data BUILD_DIR PROMETHEUS_URL [--json]`` (see :func:`main`)."""

from obs_as_code.e2e.panel_data.check import main

raise SystemExit(main())
