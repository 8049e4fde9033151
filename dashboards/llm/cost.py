"""Cost tracking: spend by provider and model, spend against team budgets."""

from dashboards._common import TAG, standard_annotations, standard_links, standard_variables
from obs_as_code.dashboards import kit as k

_COST = "opencode_llm_cost_dollars_total"
_SEL = 'provider=~"$provider"'
_budget_thresholds = k.thresholds((None, "green"), (0.75, "orange"), (0.9, "red"))

cost_tracking = k.dashboard(
    "Cost tracking",
    [
        k.row("Spend", [
            k.stat("Spend in time range", k.prom(k.increase(_COST, _SEL)), unit=k.USD),
            k.stat("Spend per hour", k.prom(f"{k.rate(_COST, _SEL)} * 3600"), unit=k.USD),
            k.stat("Cost per 1k tokens", k.prom(
                f'{k.ratio(k.rate(_COST, _SEL), k.rate("opencode_llm_tokens_total", _SEL))} * 1000'), unit=k.USD),
            k.stat("Teams over 90% of budget",
                   k.prom("count(max by (team) (team_spend_usd) / max by (team) (team_budget_usd) > 0.9) or vector(0)"),
                   unit=k.SHORT, thresholds=k.thresholds((None, "green"), (1, "red"))),
        ]),
        k.row("By provider and model", [
            k.timeseries("Spend per hour by provider", k.prom(f"{k.rate(_COST, _SEL, by=['provider'])} * 3600", "{{provider}}"),
                         unit=k.USD, width=12, stack=True),
            k.timeseries("Spend per hour by model", k.prom(f"{k.rate(_COST, _SEL, by=['model'])} * 3600", "{{model}}"),
                         unit=k.USD, width=12, stack=True),
            k.timeseries(
                "Cost per 1k tokens by model",
                k.prom(f'{k.ratio(k.rate(_COST, _SEL, by=["model"]), k.rate("opencode_llm_tokens_total", _SEL, by=["model"]))} * 1000',
                       "{{model}}"),
                unit=k.USD, width=24,
            ),
        ]),
        k.row("Team budgets", [
            k.bargauge("Budget used by team",
                       k.prom("max by (team) (team_spend_usd) / max by (team) (team_budget_usd)", "{{team}}", instant=True),
                       unit=k.PERCENTUNIT, min=0, max=1, thresholds=_budget_thresholds),
            k.table("Spend and budget by team",
                    k.prom("max by (team) (team_spend_usd)", "spend", instant=True, table=True, ref_id="spend"),
                    k.prom("max by (team) (team_budget_usd)", "budget", instant=True, table=True, ref_id="budget"),
                    unit=k.USD),
        ]),
    ],
    description="LLM spend by provider and model, and each team's spend against its budget.",
    tags=[TAG, "cost"],
    variables=[
        *standard_variables(),
        k.query_var("provider", f"label_values({_COST}, provider)", label="Provider", multi=True, include_all=True),
    ],
    annotations=standard_annotations(),
    links=standard_links(),
    time_from="now-7d",
)
