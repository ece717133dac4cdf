"""``GET /health``: service and index status."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SearcherDep
from api.schemas import HealthOut
from index.store import FORMAT_VERSION

router = APIRouter()


@router.get("/health", response_model=HealthOut, summary="Service and index status")
def health(searcher: SearcherDep) -> HealthOut:
    data = searcher.context.data
    return HealthOut(
        status="ok", encoder=data.encoder_id, documents=data.n_documents,
        passages=data.n_passages,
        index_format_version=int(data.manifest.get("format_version", FORMAT_VERSION)),
        generation=data.generation, vector_index=data.vector_index,
    )
