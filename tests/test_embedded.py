"""The embedded PostgreSQL default: start, reuse, concurrent start, restart, as root and not."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import psycopg
import pytest

from chanuka_db.pool.embedded import DEFAULT_DATABASE, bin_dir, default_data_dir, ensure_running

pytestmark = pytest.mark.embedded

# A child process that joins the server, reports its pid, and holds on until told to go.
_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from chanuka_db.pool.embedded import ensure_running
    server = ensure_running(Path(sys.argv[1]), cleanup="stop")
    print(server.pid, server.url().conninfo(), flush=True)
    sys.stdin.read()
    """
)


def _spawn(data_dir: Path, user: str | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        user=user,
        env={**os.environ, "HOME": str(data_dir.parent)},
    )


def _report(child: subprocess.Popen[str]) -> tuple[int, str]:
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        assert child.stderr is not None
        pytest.fail(f"child failed: {child.stderr.read()}")
    pid, conninfo = line.split(" ", 1)
    return int(pid), conninfo.strip()


def _release(*children: subprocess.Popen[str]) -> None:
    for child in children:
        child.communicate(timeout=60)
        assert child.returncode == 0


def test_start_creates_the_database_and_reuse_returns_the_same_server(server_tmp: Path) -> None:
    server = ensure_running(server_tmp / "data", cleanup="delete")
    try:
        with psycopg.connect(server.url().conninfo()) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (DEFAULT_DATABASE,)
            version = conn.execute("SHOW server_version_num").fetchone()
            assert version is not None and int(version[0]) >= 180000
        again = ensure_running(server_tmp / "data", cleanup="delete")
        assert again.pid == server.pid
        assert server.url().source == "embedded"
    finally:
        server.close()


def test_two_processes_starting_at_once_share_one_server(server_tmp: Path) -> None:
    data_dir = server_tmp / "data"
    first, second = _spawn(data_dir), _spawn(data_dir)
    try:
        (pid_a, url_a), (pid_b, url_b) = _report(first), _report(second)
        assert pid_a == pid_b
        assert url_a == url_b
        with psycopg.connect(url_a) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        _release(first, second)
    # The last process out stops the server: nothing is left running on that data dir.
    assert not (data_dir / "postmaster.pid").exists()
    assert not psutil.pid_exists(pid_a) or psutil.Process(pid_a).status() == psutil.STATUS_ZOMBIE


def test_a_killed_claimant_does_not_keep_the_server_alive_forever(server_tmp: Path) -> None:
    data_dir = server_tmp / "data"
    doomed = _spawn(data_dir)
    _report(doomed)
    doomed.kill()
    doomed.wait()
    survivor = _spawn(data_dir)
    _report(survivor)
    _release(survivor)
    assert not (data_dir / "postmaster.pid").exists()


def test_stop_and_start_keep_the_data(server_tmp: Path) -> None:
    server = ensure_running(server_tmp / "data", cleanup="delete")
    try:
        with psycopg.connect(server.url().conninfo(), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)")
        server.stop()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(server.url().conninfo(), connect_timeout=2)
        server.start()
        with psycopg.connect(server.url().conninfo()) as conn:
            assert conn.execute("SELECT x FROM kept").fetchone() == (42,)
    finally:
        server.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can check the run-as-root path")
def test_as_root_the_server_runs_as_its_own_system_user(server_tmp: Path) -> None:
    server = ensure_running(server_tmp / "data", cleanup="delete")
    try:
        assert psutil.Process(server.pid).username() != "root"
    finally:
        server.close()


def _unprivileged_user() -> str | None:
    for name in ("nobody", "embedded_postgres"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to a normal user")
def test_a_normal_user_can_start_it(server_tmp: Path) -> None:
    user = _unprivileged_user()
    probe = subprocess.run(
        ["runuser", "-u", str(user), "--", sys.executable, "-c", "import chanuka_db"],
        capture_output=True,
        check=False,
    )
    if user is None or probe.returncode != 0:
        pytest.skip(f"this interpreter is not usable by a normal user: {probe.stderr[-200:]!r}")
    home = server_tmp / "home"
    home.mkdir()
    shutil.chown(home, user)
    server_tmp.chmod(0o755)
    child = _spawn(home / "data", user=user)
    try:
        pid, _ = _report(child)
        assert psutil.Process(pid).username() == user
    finally:
        _release(child)


def test_default_data_dir_is_per_user_and_bin_dir_has_the_tools() -> None:
    assert default_data_dir().name == "pgdata"
    assert "chanuka-db" in str(default_data_dir())
    assert (bin_dir() / "pg_dump").exists()
