"""Dependencies as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from emokognition.app import AnalysisService
from emokognition.config import Settings


def get_service(request: Request) -> AnalysisService:
    service: AnalysisService = request.app.state.service
    return service


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


ServiceDep = Annotated[AnalysisService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
