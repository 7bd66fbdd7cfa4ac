"""Killing the program in the middle of an operation leaves no half-written case."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from app.ops.desk import Desk
from app.store.integrity import verify
from tests.conftest import login

CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from app.ops.desk import Desk
    from app.store import projection
    from tests.conftest import login, make_draft, new_station

    folder = Path(sys.argv[1])
    desk = login(folder) if (folder / "keyring.json").exists() else new_station(folder, "TZ01", "新河镇", "township")
    mode = sys.argv[2]
    if mode == "inside":
        # Die after the event is written but before its projection is: the worst moment.
        def die(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        projection.write_case = die
        desk.register_case(make_draft())
    else:
        i = 0
        while True:
            case_id = desk.register_case(make_draft())
            desk.record(case_id, "dispatch", {"units": ["镇农办"]})
            desk.record(case_id, "accept", {})
            i += 1
            print(i, flush=True)
""")


def run_child(folder: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(folder), mode], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent.parent)


def check_whole(folder: Path) -> Desk:
    desk = login(folder)
    assert verify(desk.conn, desk.limits).ok
    registered = desk.conn.execute("SELECT count(DISTINCT case_id) FROM events WHERE case_id != ''").fetchone()[0]
    assert desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == registered
    return desk


def test_killed_between_writing_the_event_and_its_projection(tmp_path: Path) -> None:
    with run_child(tmp_path, "inside") as child:
        assert child.wait(timeout=60) == -signal.SIGKILL
    desk = check_whole(tmp_path)
    assert desk.conn.execute("SELECT count(*) FROM events WHERE case_id != ''").fetchone()[0] == 0
    desk.close()
    from tests.conftest import login, make_draft

    desk = login(tmp_path)
    assert desk.register_case(make_draft()) == f"TZ01-{desk.today().year}-00001"  # the number was not used up
    desk.close()


def test_killed_at_a_random_moment_while_working(tmp_path: Path) -> None:
    with run_child(tmp_path, "loop") as child:
        assert child.stdout is not None
        for _ in range(25):  # let it get well into its work, then kill it mid-stride
            child.stdout.readline()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    desk = check_whole(tmp_path)
    statuses = {r[0] for r in desk.conn.execute("SELECT status FROM cases")}
    assert statuses <= {"registered", "dispatched", "accepted"}
    assert desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0] >= 25
    desk.close()
