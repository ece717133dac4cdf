"""What routes are given: the services built once in the app's lifespan, and the settings.

Only this module reads ``app.state``; routes declare what they need with these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.limits import Gate, WriteLane
from api.observe import Metrics
from api.settings import Settings
from search.answer.ask import Answerer
from search.engine import Searcher


@dataclass
class Services:
    searcher: Searcher
    answerer: Answerer


@dataclass
class Guards:
    """Load shedding made in the lifespan (their locks belong to the server's event loop)."""

    reads: Gate
    writes: WriteLane


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_searcher(request: Request) -> Searcher:
    return get_services(request).searcher


def get_answerer(request: Request) -> Answerer:
    return get_services(request).answerer


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_guards(request: Request) -> Guards:
    guards: Guards = request.app.state.guards
    return guards


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


SearcherDep = Annotated[Searcher, Depends(get_searcher)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
GuardsDep = Annotated[Guards, Depends(get_guards)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
