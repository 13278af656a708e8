"""Repositories of the moderation domain: reports, review queue, moderator actions, scores."""

from __future__ import annotations

from chanuka_db.repositories.base import TableRepository
from chanuka_db.types import (
    ContentAnalysis,
    ContentAnalysisPatch,
    ContentFlag,
    ContentFlagPatch,
    ModerationAction,
    ModerationActionPatch,
    ModerationFlag,
    ModerationFlagPatch,
    ModerationQueueItem,
    ModerationQueueItemPatch,
    NewContentAnalysis,
    NewContentFlag,
    NewModerationAction,
    NewModerationFlag,
    NewModerationQueueItem,
    tables,
)

__all__ = [
    "ContentAnalysisRepository",
    "ContentFlagRepository",
    "ModerationActionRepository",
    "ModerationFlagRepository",
    "ModerationQueueItemRepository",
]


class ContentAnalysisRepository(
    TableRepository[ContentAnalysis, NewContentAnalysis, ContentAnalysisPatch]
):
    """Rows of ``content_analysis``."""

    table = tables.content_analysis


class ContentFlagRepository(TableRepository[ContentFlag, NewContentFlag, ContentFlagPatch]):
    """Rows of ``content_flags``."""

    table = tables.content_flags


class ModerationActionRepository(
    TableRepository[ModerationAction, NewModerationAction, ModerationActionPatch]
):
    """Rows of ``moderation_actions``."""

    table = tables.moderation_actions


class ModerationFlagRepository(
    TableRepository[ModerationFlag, NewModerationFlag, ModerationFlagPatch]
):
    """Rows of ``moderation_flags``."""

    table = tables.moderation_flags


class ModerationQueueItemRepository(
    TableRepository[ModerationQueueItem, NewModerationQueueItem, ModerationQueueItemPatch]
):
    """Rows of ``moderation_queue``."""

    table = tables.moderation_queue
