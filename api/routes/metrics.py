"""``GET /metrics``: Prometheus metrics (text exposition format)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import MetricsDep, SettingsDep

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics(metrics: MetricsDep, settings: SettingsDep) -> Response:
    if not settings.metrics:
        raise HTTPException(404, "metrics are off (TELUSUR_METRICS=off)")
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
