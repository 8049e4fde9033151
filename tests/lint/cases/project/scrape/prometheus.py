"""Scrape configuration of the fixture project: the worker is scraped every minute."""

from obs_as_code import PrometheusConfig, ScrapeJob

config = PrometheusConfig(scrape_interval="15s")
jobs = [
    ScrapeJob(name="app", targets=["app:8080"], labels={"service": "app", "team": "core"}),
    ScrapeJob(name="worker", targets=["worker:8080"], scrape_interval="1m"),
]
