"""A ledger save killed half-way (SIGKILL) leaves nothing readable in the folder the handler chose: on the usual
Linux disks the unfinished file has no name and goes with the program; where it must have one (a FAT32 stick,
Windows) the next start removes it. Each time every byte of the folder is searched for the petitioner."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.demo import generate_demo
from app.models.case import Petitioner
from app.store.private import OUTPUT_PREFIX
from tests.byte_search import search
from tests.cli_support import login_env
from tests.conftest import login, make_draft, new_station
from tests.kill_support import kill_half_way, writing_in

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="SIGKILL and /proc: Linux")

NAME, ID_NUMBER, PHONE = "欧阳觅踪", "11010519491231002X", "13987650123"
# The ledger command, in a child process; ``named`` makes it write as where files cannot be made without a name.
CHILD = ("import sys\n"
         "from app.store import files\n"
         "if sys.argv[1] == 'named':\n"
         "    files._unnamed_file = lambda folder: None\n"
         "from app.cli.main import main\n"
         "sys.exit(main(sys.argv[2:]))\n")


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A station with enough cases that saving the ledger takes a while, and the petitioner's; and the ID number
    of the ledger's first row (the first registered case), the first written (its name, two or three characters,
    is too short to search for in ciphertext without chance hits)."""
    folder = tmp_path_factory.mktemp("killed") / "station"
    desk = new_station(folder)
    generate_demo(desk, 1500)
    desk.register_case(make_draft(petitioners=[Petitioner(NAME, ID_NUMBER, PHONE, "九曲巷七十三号")]))
    first = desk.conn.execute("SELECT case_id FROM cases ORDER BY registered_at, case_id LIMIT 1").fetchone()[0]
    person = desk.case(first).petitioners[0]
    desk.close()
    return folder, [person.id_number]


def _kill_while_saving(station: Path, chosen: Path, how: str) -> None:
    """Save the station's ledger into ``chosen`` in a child process, SIGKILLed once the unfinished file there has
    64 KB in it (the first rows)."""
    kill_half_way([sys.executable, "-c", CHILD, how, "--data-dir", str(station), "ledger", "--full-id", "--out",
                   str(chosen / "台账.xlsx")], login_env(), writing_in(chosen, at_least=64 * 1024), seconds=120)


def test_a_ledger_killed_while_saved_leaves_no_file_in_the_chosen_folder(station: tuple[Path, list[str]],
                                                                          tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    _kill_while_saving(station[0], chosen, "unnamed")
    assert list(chosen.iterdir()) == []  # the file had no name: it went with the program


def test_a_ledger_killed_while_saved_where_files_need_a_name_is_removed_at_the_next_start(
        station: tuple[Path, list[str]], tmp_path: Path) -> None:
    folder, first_row = station
    chosen = tmp_path / "stick"
    chosen.mkdir()
    _kill_while_saving(folder, chosen, "named")
    left = list(chosen.iterdir())
    assert [p.name.startswith(OUTPUT_PREFIX) and p.suffix == ".part" for p in left] == [True]
    assert NAME not in left[0].name
    secrets = [NAME, ID_NUMBER, PHONE, *first_row]
    assert search([chosen], secrets[-1:]), "the search reads the half-written workbook"  # what the next start ends
    login(folder).close()  # the next start
    assert list(chosen.iterdir()) == []
    assert search([chosen, folder], secrets) == []
