"""``oac import sloth`` / ``oac import openslo``: modules that load and build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from slo_support import groups_of
from test_slo_parity import slos_of_source

from obs_as_code.cli import cli
from obs_as_code.importers import openslo, sloth
from obs_as_code.importers._slo_source import SpecError, identifier, py_str
from obs_as_code.model.rules import AlertRule
from obs_as_code.pipeline import build
from obs_as_code.slo import SLO, LatencySLI, RatioSLI, RawSLI

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _by_id(slos: list[SLO]) -> dict[str, SLO]:
    return {s.id: s for s in slos}


def test_sloth_import_maps_every_field() -> None:
    slos = _by_id(slos_of_source(sloth.import_file(FIXTURES / "sloth/shop.yml")))
    checkout = slos["shop-checkout-availability"]
    assert checkout.objective == 99.9 and checkout.period == "30d"
    assert dict(checkout.labels) == {"owner": "team-shop", "tier": "1", "category": "availability"}
    assert isinstance(checkout.sli, RatioSLI) and "[{window}]" in checkout.sli.total
    assert checkout.alerting.name == "ShopCheckoutErrorBudgetBurn"
    assert dict(checkout.alerting.page.labels) == {"severity": "critical", "routing_key": "shop"}
    search = slos["shop-search-quality"]
    assert isinstance(search.sli, RawSLI) and search.sli.error_ratio_query.count("{window}") == 2
    assert search.alerting.page.disable and not search.alerting.ticket.disable


def test_openslo_v1_import() -> None:
    slos = _by_id(slos_of_source(openslo.import_file(FIXTURES / "openslo/checkout.yaml")))
    assert sorted(slos) == ["shop-checkout-availability", "shop-search-errors-relaxed", "shop-search-errors-strict"]
    checkout = slos["shop-checkout-availability"]
    assert checkout.objective == pytest.approx(99.9) and checkout.period == "28d"
    assert dict(checkout.labels) == {"team": "shop"}
    assert isinstance(checkout.sli, RatioSLI) and checkout.sli.good is not None and checkout.sli.errors is None
    strict = slos["shop-search-errors-strict"]
    assert strict.objective == pytest.approx(99) and strict.period == "7d"
    assert isinstance(strict.sli, RatioSLI)
    assert strict.sli.errors == 'sum(rate(search_requests_total{job="shop", code=~"5.."}[{window}]))'
    assert slos["shop-search-errors-relaxed"].objective == 95
    # Each generates rules with the default page and ticket alerts.
    for slo in slos.values():
        assert [g.name.split("-")[1] for g in groups_of(slo)] == ["sli", "meta", "alerts"]


@pytest.mark.parametrize(
    ("importer", "text", "message"),
    [
        (sloth.import_text, "version: prometheus/v2\nservice: a\nslos: []\n", "not a Sloth prometheus/v1"),
        (sloth.import_text, 'version: "prometheus/v1"\nslos: []\n', "service is required"),
        (
            sloth.import_text,
            'version: "prometheus/v1"\nservice: a\nslos:\n- name: x\n  objective: 99\n  sli: {plugin: {id: x}}\n  alerting: {name: A}\n',
            "SLI plugins",
        ),
        (
            sloth.import_text,
            'version: "prometheus/v1"\nservice: a\nslos:\n- name: x\n  objective: 99\n  sli: {raw: {error_ratio_query: "x[{{.window}}]"}}\n',
            "alerting.name is required",
        ),
        (sloth.import_text, "a: [", "invalid YAML"),
        (openslo.import_text, "apiVersion: openslo/v2\nkind: SLO\n", "unsupported OpenSLO apiVersion"),
        (openslo.import_text, "apiVersion: openslo/v1\nkind: Service\n", "no OpenSLO SLO document"),
        (
            openslo.import_text,
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: nope, objectives: [{target: 0.9}]}\n",
            "names no SLI",
        ),
        (
            openslo.import_text,
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n  objectives: [{target: 0.9}]\n"
            "  indicator: {spec: {ratioMetric: {good: {metricSource: {type: Datadog, spec: {query: x}}}, total: {metricSource: {type: Datadog, spec: {query: y}}}}}}\n",
            "only Prometheus",
        ),
        (
            openslo.import_text,
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n  objectives: [{target: 0.9}]\n"
            "  indicator: {spec: {ratioMetric: {good: {metricSource: {type: Prometheus, spec: {query: 'histogram_quantile(0.9, x)'}}}, total: {metricSource: {type: Prometheus, spec: {query: y}}}}}}\n",
            "cannot tell how to window",
        ),
    ],
)
def test_bad_specs_are_refused_with_a_reason(importer: Callable[[str, str], str], text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        importer(text, "spec.yaml")


def test_python_literals() -> None:
    assert py_str("a") == '"a"'
    assert py_str('x{a="b"}') == "'x{a=\"b\"}'"
    assert py_str("a\nb") == '"""a\nb"""'
    assert eval(py_str('a\\n"\n')) == 'a\\n"\n'
    taken: set[str] = set()
    assert [identifier(t, taken) for t in ("my-svc", "my svc", "1x", "class")] == ["my_svc", "my_svc_2", "slo_1x", "slo_class"]


def test_cli_import_sloth_writes_a_module_that_builds(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    out = root / "slos" / "shop.py"
    result = CliRunner().invoke(cli, ["import", "sloth", str(FIXTURES / "sloth/shop.yml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    built = build(root)
    assert built.ok, [str(d) for d in built.diagnostics]
    rules = (root / "build/prometheus/rules/slos-shop.yaml").read_text()
    assert rules.count("alert: ShopCheckoutErrorBudgetBurn") == 2 and rules.count("alert: ShopSearchQuality") == 1


def test_cli_import_openslo_to_stdout_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["import", "openslo", str(FIXTURES / "openslo/checkout.yaml"), "--no-alerts"])
    assert result.exit_code == 0
    assert result.stdout.count("alerting=Alerting(disable=True)") == 3
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {}\n")
    failed = runner.invoke(cli, ["import", "openslo", str(bad)])
    assert failed.exit_code == 2
    assert "spec.service are required" in failed.stderr
    missing = runner.invoke(cli, ["import", "sloth", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2


def test_import_group_lists_the_slo_importers() -> None:
    result = CliRunner().invoke(cli, ["import", "--help"])
    assert result.exit_code == 0 and "sloth" in result.output and "openslo" in result.output
    top = CliRunner().invoke(cli, ["--help"])
    assert "import" in top.output


def test_latency_sli_is_not_produced_by_importers_but_builds() -> None:
    # Imported specs are ratio or raw; the latency kind is Python-only sugar.
    slo = SLO(service="a", name="b", objective=99, sli=LatencySLI(metric="m", threshold=0.25))
    assert any("le=\"0.25\"" in r.expr for g in groups_of(slo) for r in g.rules)


_names = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
_text = st.text(st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="\\"), max_size=30)
_labels = st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True), _text, max_size=3)


@settings(max_examples=40, deadline=None)
@given(
    service=_names,
    name=_names,
    objective=st.floats(min_value=50, max_value=99.99).map(lambda x: round(x, 3)),
    labels=_labels,
    alert_labels=_labels,
    annotations=st.dictionaries(st.sampled_from(["summary", "runbook", "note"]), _text, max_size=2),
    multiline=st.booleans(),
    page_off=st.booleans(),
)
def test_sloth_import_round_trips_any_spec(
    service: str,
    name: str,
    objective: float,
    labels: dict[str, str],
    alert_labels: dict[str, str],
    annotations: dict[str, str],
    multiline: bool,
    page_off: bool,
) -> None:
    error_query = 'sum(rate(req_total{code=~"5.."}[{{.window}}]))'
    if multiline:
        error_query = "(\n  " + error_query + "\n)\n"
    spec = {
        "version": "prometheus/v1",
        "service": service,
        "labels": labels,
        "slos": [
            {
                "name": name,
                "objective": objective,
                "sli": {"events": {"error_query": error_query, "total_query": "sum(rate(req_total[{{ .window }}]))"}},
                "alerting": {
                    "name": "Burn",
                    "labels": alert_labels,
                    "annotations": annotations,
                    "page_alert": {"disable": page_off},
                },
            }
        ],
    }
    (slo,) = slos_of_source(sloth.import_text(yaml.safe_dump(spec), "spec.yaml"))
    assert (slo.service, slo.name, slo.objective) == (service, name, objective)
    assert dict(slo.labels) == labels
    assert isinstance(slo.sli, RatioSLI)
    assert slo.sli.errors == error_query.replace("{{.window}}", "{window}").strip()
    assert slo.sli.total == "sum(rate(req_total[{window}]))"
    assert dict(slo.alerting.labels) == alert_labels and dict(slo.alerting.annotations) == annotations
    assert slo.alerting.page.disable is page_off
    # What Sloth would write: no house severity unless the spec gives one.
    page_sev = slo.alerting.page_severity
    assert page_sev is None or page_off or "severity" in alert_labels


def test_sloth_plugins_rule_intervals_mapped_others_refused() -> None:
    spec: dict[str, Any] = {
        "version": "prometheus/v1",
        "service": "svc",
        "slo_plugins": {"chain": [{"id": "sloth.dev/contrib/rule_intervals/v1", "config": {"interval": {"default": "1m", "metadata": "2m"}}}]},
        "slos": [
            {
                "name": "a",
                "objective": 99,
                "plugins": {"chain": [{"id": "sloth.dev/core/sli_rules/v1"}, {"id": "sloth.dev/contrib/rule_intervals/v1", "config": {"interval": {"alert": "30s"}}}]},
                "sli": {"raw": {"error_ratio_query": "x[{{.window}}]"}},
                "alerting": {"name": "A"},
            }
        ],
    }
    (slo,) = slos_of_source(sloth.import_text(yaml.safe_dump(spec), "s.yaml"))
    assert slo.intervals is not None
    assert (slo.intervals.default, slo.intervals.metadata, slo.intervals.alerts, slo.intervals.sli) == ("1m", "2m", "30s", None)
    spec["slos"][0]["plugins"] = {"chain": [{"id": "sloth.dev/contrib/denominator_corrected_rules/v1"}]}
    with pytest.raises(SpecError, match="denominator_corrected_rules"):
        sloth.import_text(yaml.safe_dump(spec), "s.yaml")


# --- what an import drops or changes is said (fixtures written from the documented formats) ---


def test_sloth_k8s_slo_plugins_are_read() -> None:
    # sloPlugins (the CRD's spelling of slo_plugins) was dropped without a word:
    # the rule intervals were lost, and a Go plugin was not refused.
    (slo,) = slos_of_source(sloth.import_file(FIXTURES / "sloth/k8s-plugins.yml"))
    assert slo.intervals is not None and (slo.intervals.default, slo.intervals.metadata) == ("1m", "2m")
    assert [g.interval for g in groups_of(slo)] == ["1m", "2m", "1m"]
    spec = yaml.safe_load((FIXTURES / "sloth/k8s-plugins.yml").read_text())
    spec["spec"]["sloPlugins"]["chain"].append({"id": "sloth.dev/contrib/info_labels/v1"})
    with pytest.raises(SpecError, match="info_labels"):
        sloth.import_text(yaml.safe_dump(spec), "k8s.yml")


def test_sloth_unknown_keys_are_warned_about() -> None:
    # Sloth ignores a misspelt key; the import says so, on stderr and in the module.
    warnings: list[str] = []
    source = sloth.import_file(FIXTURES / "sloth/k8s-plugins.yml", warnings=warnings)
    assert len(warnings) == 1 and "slos[0]: unknown key 'lables' ignored" in warnings[0]
    assert "# - " + warnings[0] in source
    (slo,) = slos_of_source(source)
    assert dict(slo.labels) == {"owner": "team-payments"}
    result = CliRunner().invoke(cli, ["import", "sloth", str(FIXTURES / "sloth/k8s-plugins.yml")])
    assert result.exit_code == 0 and "warning: " in result.stderr and "'lables'" in result.stderr
    # A clean spec has no warning and no comment.
    clean: list[str] = []
    assert "Not imported as written" not in sloth.import_file(FIXTURES / "sloth/shop.yml", warnings=clean) and clean == []


def test_openslo_documented_features() -> None:
    warnings: list[str] = []
    slos = _by_id(slos_of_source(openslo.import_file(FIXTURES / "openslo/platform.yaml", warnings=warnings)))
    assert sorted(slos) == ["gateway-gateway-available", "gateway-gateway-fast", "sync-sync-freshness"]
    # A composite SLO: an indicatorRef per objective (was refused: "an indicator
    # or indicatorRef is required"); the DataSource gives the type of a metric source.
    available, fast = slos["gateway-gateway-available"], slos["gateway-gateway-fast"]
    assert isinstance(available.sli, RatioSLI) and available.sli.errors is not None and available.objective == pytest.approx(99.9)
    assert isinstance(fast.sli, RatioSLI) and fast.sli.good is not None and 'le="0.25"' in fast.sli.good and fast.objective == 95
    assert available.period == "4w"
    # Several values of one label were dropped without a word: now joined, and said.
    assert dict(available.labels) == {"team": "edge,platform", "tier": "1"}
    # A raw failure ratio is a RawSLI over the window (was refused: "needs good or bad").
    sync = slos["sync-sync-freshness"]
    assert isinstance(sync.sli, RawSLI)
    assert sync.sli.error_ratio_query == 'avg_over_time(sync:failed_runs:ratio{job="sync"}[{window}])'
    said = "\n".join(warnings)
    for lost in ("alertPolicies are not imported", "label 'team' has 2 values", "budgetingMethod Timeslices", "AlertPolicy 'gateway-burn' is not imported"):
        assert lost in said, said
    assert len(warnings) == 4
    # OpenSLO alerts keep the house severities (no Sloth output to match there).
    for slo in slos.values():
        alerts = [r for g in groups_of(slo) for r in g.rules if isinstance(r, AlertRule)]
        assert sorted(a.labels["severity"] for a in alerts) == ["critical", "warning"]


@pytest.mark.parametrize(("raw_type", "expected"), [("failure", "avg_over_time(r[{window}])"), ("success", "1 - (avg_over_time(r[{window}]))")])
def test_openslo_raw_ratio_types(raw_type: str, expected: str) -> None:
    text = (
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n  indicator:\n    spec:\n"
        f"      ratioMetric:\n        rawType: {raw_type}\n        raw: {{metricSource: {{type: Prometheus, spec: {{query: r}}}}}}\n"
        "  objectives: [{target: 0.99}]\n"
    )
    (slo,) = slos_of_source(openslo.import_text(text, "raw.yaml"))
    assert isinstance(slo.sli, RawSLI) and slo.sli.error_ratio_query == expected


def test_openslo_datasource_of_another_kind_is_refused() -> None:
    text = (
        "apiVersion: openslo/v1\nkind: DataSource\nmetadata: {name: dd}\nspec: {type: Datadog}\n---\n"
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n  indicator:\n    spec:\n"
        "      ratioMetric:\n        good: {metricSource: {metricSourceRef: dd, spec: {query: 'sum:x{ok}'}}}\n"
        "        total: {metricSource: {metricSourceRef: dd, spec: {query: 'sum:x{*}'}}}\n"
        "  objectives: [{target: 0.99}]\n"
    )
    with pytest.raises(SpecError, match="not 'datadog' \\(DataSource 'dd'\\)"):
        openslo.import_text(text, "dd.yaml")


def test_cli_import_openslo_platform_builds(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    out = root / "slos" / "platform.py"
    result = CliRunner().invoke(cli, ["import", "openslo", str(FIXTURES / "openslo/platform.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("oac import openslo: warning: ") == 4
    built = build(root)
    assert built.ok, [str(d) for d in built.diagnostics]
    # The raw SLI reads a recording rule defined elsewhere: one OAC506 for its
    # line, not one per generated window rule.
    assert [d.code for d in built.diagnostics].count("OAC506") == 1, [str(d) for d in built.diagnostics]
