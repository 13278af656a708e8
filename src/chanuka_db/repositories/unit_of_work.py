"""The unit of work, and the Database services use: one transaction, every repository.

::

    from chanuka_db import Database

    db = Database.from_env()
    with db.unit_of_work(actor=user_id) as uow:        # one transaction on one connection
        bill = uow.bills.get(bill_id)
        uow.comments.add(NewBillComment(bill_id=bill.id, user_id=user_id, content="..."))
    # committed on normal exit, rolled back on an exception; a nested unit_of_work() is a
    # SAVEPOINT; the actor is bound for this transaction only (audit, row-level security)

    with db.authenticated(token_hash) as uow:         # a request holding a session token
        uow.session.user.display_name                 # acting as the token's owner

    db.repos.bills.get(bill_id)                       # single reads without a unit of work
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from chanuka_db.errors import InvalidInput, NotAuthenticated
from chanuka_db.pool import Connection, DatabaseConfig, IsolationLevel
from chanuka_db.pool import Database as PoolDatabase
from chanuka_db.repositories import (
    analytics,
    audit,
    infrastructure,
    legislative,
    moderation,
    regulatory,
    users,
)
from chanuka_db.repositories.arguments import check_token_hash
from chanuka_db.repositories.base import Runner
from chanuka_db.repositories.user_rows import SessionWithUser
from chanuka_db.sql import CursorCodec, Executor, QueryMonitor, trusted
from chanuka_db.sql.migrate import MigrationRunner

if TYPE_CHECKING:
    from chanuka_db.sql.migrate_files import Migration

__all__ = ["AuthenticatedUnitOfWork", "Database", "PooledRunner", "Repositories", "UnitOfWork"]

R = TypeVar("R")
_BIND_ACTOR = trusted("SELECT set_config('app.user_id', %s, true)")
# Whose session is it? auth_session_owner (migration 0018) answers that before any actor
# is bound, and the answer is bound as the actor in the same statement ('' when it has
# none: the policies then show nothing). Nothing row-level secured is read by it.
_BIND_SESSION_OWNER = trusted(
    "SELECT set_config('app.user_id', coalesce(auth_session_owner(%(token_hash)s)::text, ''), true)"
)
# The policies' system path; honoured only for members of chanuka_system (docs/security.md).
_SYSTEM_MODE = trusted("SELECT set_config('app.role', 'system', true)")


class _Repository(Generic[R]):
    """A repository attribute: built on first use, then kept for the life of its owner."""

    __slots__ = ("cls", "name")

    def __init__(self, cls: Callable[[Runner], R]) -> None:
        self.cls = cls
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> _Repository[R]: ...
    @overload
    def __get__(self, instance: Repositories, owner: type) -> R: ...
    def __get__(self, instance: Repositories | None, owner: type) -> Any:
        if instance is None:
            return self
        made = instance._made
        repository = made.get(self.name)
        if repository is None:
            repository = made[self.name] = self.cls(instance._runner)
        return repository


class Repositories:
    """Every repository, bound to one runner: a unit of work, or the pool (``db.repos``).

    Each table is reachable by its own name (``uow.bill_tags``); the busiest ones also by
    a short name (``uow.comments`` is ``uow.bill_comments``).
    """

    __slots__ = ("_made", "_runner")

    def __init__(self, runner: Runner) -> None:
        self._runner = runner
        self._made: dict[str, Any] = {}

    # users
    password_resets = _Repository(users.PasswordResetRepository)
    refresh_tokens = _Repository(users.RefreshTokenRepository)
    sessions = _Repository(users.SessionRepository)
    user_interests = _Repository(users.UserInterestRepository)
    user_profiles = _Repository(users.UserProfileRepository)
    user_progress = _Repository(users.UserProgressRepository)
    user_social_profiles = _Repository(users.UserSocialProfileRepository)
    users = _Repository(users.UserRepository)
    # regulatory
    regulations = _Repository(regulatory.RegulationRepository)
    regulatory_changes = _Repository(regulatory.RegulatoryChangeRepository)
    regulatory_impact = _Repository(regulatory.RegulatoryImpactRepository)
    sponsor_affiliations = _Repository(regulatory.SponsorAffiliationRepository)
    sponsor_transparency = _Repository(regulatory.SponsorTransparencyRepository)
    sponsors = _Repository(regulatory.SponsorRepository)
    stakeholders = _Repository(regulatory.StakeholderRepository)
    # legislative
    analysis = _Repository(legislative.AnalysisRepository)
    bill_comments = _Repository(legislative.BillCommentRepository)
    bill_engagement = _Repository(legislative.BillEngagementRepository)
    bill_section_conflicts = _Repository(legislative.BillSectionConflictRepository)
    bill_sponsorships = _Repository(legislative.BillSponsorshipRepository)
    bill_tags = _Repository(legislative.BillTagRepository)
    bills = _Repository(legislative.BillRepository)
    citizen_verifications = _Repository(legislative.CitizenVerificationRepository)
    comment_votes = _Repository(legislative.CommentVoteRepository)
    expert_verifications = _Repository(legislative.ExpertVerificationRepository)
    social_shares = _Repository(legislative.SocialShareRepository)
    # moderation
    content_analysis = _Repository(moderation.ContentAnalysisRepository)
    content_flags = _Repository(moderation.ContentFlagRepository)
    moderation_actions = _Repository(moderation.ModerationActionRepository)
    moderation_flags = _Repository(moderation.ModerationFlagRepository)
    moderation_queue = _Repository(moderation.ModerationQueueItemRepository)
    # analytics
    analytics_daily_summary = _Repository(analytics.AnalyticsDailySummaryRepository)
    analytics_events = _Repository(analytics.AnalyticsEventRepository)
    bill_analytics_summary = _Repository(analytics.BillAnalyticsSummaryRepository)
    system_health_metrics = _Repository(analytics.SystemHealthMetricRepository)
    user_activity_summary = _Repository(analytics.UserActivitySummaryRepository)
    # infrastructure
    compliance_checks = _Repository(infrastructure.ComplianceCheckRepository)
    conflict_sources = _Repository(infrastructure.ConflictSourceRepository)
    conflicts = _Repository(infrastructure.SyncConflictRepository)
    departments = _Repository(infrastructure.DepartmentRepository)
    evaluations = _Repository(infrastructure.EvaluationRepository)
    notifications = _Repository(infrastructure.NotificationRepository)
    security_audit_logs = _Repository(infrastructure.SecurityAuditLogRepository)
    sync_errors = _Repository(infrastructure.SyncErrorRepository)
    sync_jobs = _Repository(infrastructure.SyncJobRepository)
    threat_intelligence = _Repository(infrastructure.ThreatIntelligenceRepository)
    audit_log = _Repository(audit.AuditRepository)

    # short names for the busiest repositories
    comments = bill_comments
    votes = comment_votes
    engagement = bill_engagement
    sponsorships = bill_sponsorships
    tags = bill_tags
    audit = audit_log

    # domain workflows spanning several tables
    moderation = _Repository(moderation.ModerationRepository)
    analytics = _Repository(analytics.AnalyticsRepository)


class PooledRunner:
    """Runs each repository call on a connection borrowed for that call (no unit of work)."""

    __slots__ = ("db",)

    def __init__(self, db: Database) -> None:
        self.db = db

    @contextlib.contextmanager
    def reading(self) -> Iterator[Executor]:
        """A borrowed connection (or the one in use by this thread's transaction)."""
        with self.db.connection() as conn:
            yield self.db.executor(conn)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Executor]:
        """A transaction of its own (a savepoint inside this thread's transaction)."""
        with self.db.transaction() as conn:
            yield self.db.executor(conn)


class UnitOfWork(Repositories):
    """One transaction on one connection, with every repository and the actor bound.

    Made by :meth:`Database.unit_of_work`; it is its own runner: repository calls use its
    executor, and operations of several statements run in a SAVEPOINT.
    """

    __slots__ = ("_db", "actor", "executor")

    def __init__(self, db: Database, executor: Executor, actor: uuid.UUID | None) -> None:
        super().__init__(self)
        self._db = db
        self.executor = executor
        self.actor = actor

    def reading(self) -> contextlib.AbstractContextManager[Executor]:
        """The transaction's executor."""
        return contextlib.nullcontext(self.executor)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Executor]:
        """A SAVEPOINT: all of the block or none of it, inside the unit of work."""
        with self._db.transaction():
            yield self.executor


class AuthenticatedUnitOfWork(UnitOfWork):
    """A unit of work opened from a session token (:meth:`Database.authenticated`).

    ``session`` is the active session and its account, read under row-level security as
    their owner; ``actor`` is that account's id.
    """

    __slots__ = ("session",)

    actor: uuid.UUID

    def __init__(
        self, db: Database, executor: Executor, actor: uuid.UUID, session: SessionWithUser
    ) -> None:
        super().__init__(db, executor, actor)
        self.session = session


class Database(PoolDatabase):
    """The pool owner, plus the query monitor, the repositories and the unit of work.

    ``db.queries`` times every statement (slow ones are logged with a plan),
    ``db.repos`` runs single repository calls on borrowed connections, and
    :meth:`unit_of_work` opens the transaction services work in.
    """

    def __init__(self, config: DatabaseConfig, *, system: bool = False) -> None:
        super().__init__(config, system=system)
        self.queries = QueryMonitor.from_config(config, explain_connection=self.direct_connection)
        self.cursors = CursorCodec.from_config(config)
        self._unit: ContextVar[UnitOfWork | None] = ContextVar(
            f"chanuka_db_unit_of_work_{id(self):x}", default=None
        )
        self.repos = Repositories(PooledRunner(self))

    def executor(self, conn: Connection) -> Executor:
        """An executor on ``conn`` recorded by this database's query monitor."""
        return Executor(conn, self.queries, cursors=self.cursors)

    @contextlib.contextmanager
    def unit_of_work(
        self,
        actor: uuid.UUID | None = None,
        *,
        isolation: IsolationLevel | None = None,
        read_only: bool = False,
    ) -> Iterator[UnitOfWork]:
        """One transaction with every repository; the actor is bound for it alone.

        ``actor`` is the user on whose behalf the work runs (``None`` for system jobs); it
        is set with ``set_config('app.user_id', ..., true)``, so it dies with the
        transaction. On the jobs' Database (``system=True``) the unit of work also takes
        the system path of row-level security (``app.role = 'system'``). Commits on normal
        exit, rolls back on an exception. Inside another unit of work of this thread or task
        it is a SAVEPOINT of that one and must have the same actor.
        """
        if actor is not None and not isinstance(actor, uuid.UUID):
            raise InvalidInput("actor", f"expected a uuid.UUID or None, got {type(actor).__name__}")
        current = self._unit.get()
        if current is not None:
            if actor != current.actor:
                raise InvalidInput("actor", "a nested unit of work cannot change the actor")
            with self.transaction(isolation=isolation, read_only=read_only):
                yield current
            return
        with self.transaction(isolation=isolation, read_only=read_only) as conn:
            uow = UnitOfWork(self, self._executor_for_unit(conn), actor)
            if actor is not None:
                uow.executor.execute(_BIND_ACTOR, [str(actor)])
            with self._as_current(uow):
                yield uow

    @contextlib.contextmanager
    def authenticated(
        self,
        token_hash: str,
        *,
        isolation: IsolationLevel | None = None,
        read_only: bool = False,
    ) -> Iterator[AuthenticatedUnitOfWork]:
        """A request's unit of work, acting as the owner of the session ``token_hash``.

        The per-request sign-in check and the request's work share one borrow and one
        transaction: one statement finds the session's owner (``auth_session_owner``) and
        binds it as the actor, a second reads the session and its account under row-level
        security as that owner (``sessions.get_active_with_user``). :class:`NotAuthenticated`
        when the token is not an active, unexpired session of an active account: the
        transaction is rolled back and nothing runs as anyone. Must be the outermost unit of
        work (an actor cannot change inside one: :class:`InvalidInput`).
        """
        check_token_hash("token_hash", token_hash)
        if self._unit.get() is not None:
            raise InvalidInput("token_hash", "authenticate before opening a unit of work")
        with self.transaction(isolation=isolation, read_only=read_only) as conn:
            executor = self._executor_for_unit(conn)
            ((owner,),) = executor.fetch_trusted(_BIND_SESSION_OWNER, {"token_hash": token_hash})
            if not owner:
                raise NotAuthenticated()
            actor = uuid.UUID(owner)
            found = UnitOfWork(self, executor, actor).sessions.get_active_with_user(token_hash)
            if found is None:
                raise NotAuthenticated()
            uow = AuthenticatedUnitOfWork(self, executor, actor, found)
            with self._as_current(uow):
                yield uow

    def _executor_for_unit(self, conn: Connection) -> Executor:
        """The executor of a new unit of work on ``conn``, on the system path if ours is."""
        executor = self.executor(conn)
        if self.system:
            executor.execute(_SYSTEM_MODE)
        return executor

    @contextlib.contextmanager
    def _as_current(self, uow: UnitOfWork) -> Iterator[None]:
        """``uow`` is this thread's (or task's) unit of work for the block."""
        token = self._unit.set(uow)
        try:
            yield
        finally:
            self._unit.reset(token)

    def migrate(self, **options: Any) -> tuple[Migration, ...]:
        """Apply pending migrations (see ``chanuka_db.sql.migrate.MigrationRunner.migrate``)."""
        return MigrationRunner(self.migration_url).migrate(**options)
