"""What routes are given: the services built once in the app's lifespan, and the settings.

Only this module reads ``app.state``; routes declare what they need with these types.
The getters are coroutines: FastAPI runs a plain ``def`` dependency in its thread pool, a
hop there and back per dependency per request for what is an attribute read (and, under
load, a wait for the GIL each way); a coroutine runs on the event loop at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.limits import Gate
from api.observe import Metrics
from api.settings import Settings
from api.writer import WriteLane
from index.judgements import JudgementStore
from search.answer.ask import Answerer
from search.engine import Searcher


@dataclass
class Services:
    searcher: Searcher
    answerer: Answerer


@dataclass
class Guards:
    """Load shedding, made in the lifespan (or on first use where no lifespan runs)."""

    reads: Gate
    writes: WriteLane

    @classmethod
    def of(cls, settings: Settings) -> Guards:
        return cls(reads=Gate(slots=settings.max_inflight, queue=settings.max_queue,
                              wait=settings.queue_wait),
                   writes=WriteLane(wait=settings.write_wait, encoder=settings.encoder,
                                    index_dir=settings.index_dir, backend=settings.store,
                                    milvus_uri=settings.milvus_uri))


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_searcher(request: Request) -> Searcher:
    return _services(request).searcher


async def get_answerer(request: Request) -> Answerer:
    return _services(request).answerer


async def get_settings(request: Request) -> Settings:
    return _settings(request)


async def get_guards(request: Request) -> Guards:
    state = request.app.state
    if getattr(state, "guards", None) is None:
        state.guards = Guards.of(state.settings)
    guards: Guards = state.guards
    return guards


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_judgements(request: Request) -> JudgementStore:
    """The judgements file (opened per request: appends are atomic, nothing is cached)."""
    return JudgementStore(_settings(request).judgements_path)


SearcherDep = Annotated[Searcher, Depends(get_searcher)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
GuardsDep = Annotated[Guards, Depends(get_guards)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
JudgementsDep = Annotated[JudgementStore, Depends(get_judgements)]
