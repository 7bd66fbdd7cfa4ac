"""The stations view: who we are, our parent and children, key fingerprints to read out over the phone,
certificate dates, revocations and the last exchanges — and the enrollment steps (request, certify, install,
revoke)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.models.divisions import township_of
from app.models.errors import DomainError
from app.models.events import minute_text
from app.ops import recovery, sync
from app.ops.desk import Desk
from app.sync import parts
from app.sync.trust import when_text
from app.views.bus import ChangeBus
from app.views.common import ERROR_HEX, WARNING_HEX, error_label, fit_to_screen, fitted, message, show_error
from app.views.jobs import JobRunner, run_job
from app.views.qt import Qt, QtGui, QtWidgets
from app.views.sync_moves import MoveDialog

STATION_HEADERS = ("站点代码", "名称", "级别", "密钥指纹（电话核对）", "证书有效期", "状态", "最近导入", "最近导出")
REVOCATION_HEADERS = ("站点代码", "吊销时间", "吊销单位", "原因")
TEXTS = {
    "title": "站点与证书",
    "self": "本站",
    "root": "信任的根证书（市局）",
    "parent": "上级站点",
    "none": "无",
    "no_cert": "尚未安装上级签发的证书",
    "children": "下级站点",
    "others": "其他已知站点",
    "revocations": "吊销记录",
    "moves": "乡镇迁移：{code} → {successor}（迁入 {new}，原属 {old}，{at}，{reason}）",
    "line": "{code} {name}　{level}\n指纹：{fingerprint}\n证书有效期：{dates}",
    "last_sync": "\n最近导入：{imported}　最近导出：{exported}",
    "never": "无",
    "not_enrolled": "本站尚未入网：点“生成入网申请…”，把申请文件交上级站点签发证书（电话核对指纹），"
                    "再点“安装上级签发的证书…”。",
    "enroll": "生成入网申请…",
    "enroll_plain": "生成入网申请…",
    "enroll_new_key": "换一把新密钥并生成入网申请…（本站密钥被吊销后重新认证）",
    "confirm_new_key": "换新密钥后，本站要等上级签发的新证书安装后才能再导出同步包；旧密钥作为已停用的密钥"
                       "保留在本站数据中。确定换新密钥吗？",
    "certify": "为下级签发证书…",
    "install": "安装上级签发的证书…",
    "revoke": "吊销所选下级…",
    "recovery": "为所选下级制作恢复文件…",
    "move_county": "移交所选乡镇…",
    "move_city": "确认乡镇迁移…",
    "recovery_hint": "请先在“下级站点”表中选中要恢复的站点（重新安装的站点须已换新证书）。",
    "recovery_made": "已为 {code}（{name}）制作恢复文件：{path}\n\n事件 {events} 个，涉及案件 {cases} 件，佐证材料 "
                     "{evidence} 个。请拷贝到 U 盘，在该站点重新安装或恢复的电脑上“导入同步包”；导入之前不要在那台"
                     "电脑上登记或办理。",
    "recovery_failed": "制作恢复文件失败：{reason}",
    "zip_filter": "恢复文件 (*.zip *.zip.part*);;所有文件 (*)",
    "valid": "有效",
    "revoked": "已吊销",
    "revoked_tip": "已于 {at} 吊销：它此后签名的同步包一律不予接受",
    "enrolled": "已生成入网申请：{path}\n\n请交上级站点签发证书，并电话核对本站指纹：\n{fingerprint}",
    "certified": "已为 {code}（{name}）签发证书：{path}\n\n请电话核对对方指纹：\n{fingerprint}",
    "confirm_certify": "申请站点：{code} {name}\n指纹：{fingerprint}\n\n请电话与对方核对指纹一致后再签发。确定签发吗？",
    "installed": "证书已安装。本站信任的根证书：{code}（{name}）",
    "confirm_revoke": "吊销站点 {code} 后，它此后签名的同步包一律不予接受。确定吊销吗？",
    "revoke_reason": "吊销原因：",
    "req_filter": "入网申请 (*.req *.json);;所有文件 (*)",
    "cert_filter": "证书 (*.cert *.json);;所有文件 (*)",
}


def _dates(c: dict[str, Any] | None, seconds: bool = True) -> str:
    if not c:
        return TEXTS["no_cert"]
    cut = 19 if seconds else 16  # the tables give minutes, to stay on one screen
    return f"{when_text(c['not_before'])[:cut]} 至 {when_text(c['not_after'])[:cut]}"


class StationsView(QtWidgets.QDialog):
    """Read-only overview with the four enrollment actions as buttons."""

    def __init__(self, desk: Desk, bus: ChangeBus | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setObjectName("stationsView")
        self.setWindowTitle(TEXTS["title"])
        mono = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        self.me = QtWidgets.QLabel()
        self.me.setObjectName("stationSelf")
        self.root = QtWidgets.QLabel()
        self.parent_label = QtWidgets.QLabel()
        self.parent_label.setObjectName("stationParent")
        for label in (self.me, self.root, self.parent_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setFont(mono)  # fingerprints line up in columns, easier to read aloud
        self.child_table = self._table("stationChildren", STATION_HEADERS)
        self.others = self._table("stationOthers", STATION_HEADERS)
        self.revocations = self._table("stationRevocations", REVOCATION_HEADERS)
        self.error = error_label()
        self.hint = QtWidgets.QLabel(TEXTS["not_enrolled"])
        self.hint.setObjectName("stationHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {WARNING_HEX};")
        level = desk.require_station().level
        buttons = QtWidgets.QHBoxLayout()
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for key, slot in (("enroll", self.enroll), ("install", self.install), ("certify", self.certify),
                          ("revoke", self.revoke), ("recovery", self.make_recovery), ("move", self.move_township)):
            button = QtWidgets.QPushButton(TEXTS[key] if key != "move" else
                                           TEXTS["move_city" if level == "city" else "move_county"])
            button.setObjectName(f"station_{key}")
            button.setAutoDefault(False)  # Enter must not start an enrollment
            if key != "enroll":
                button.clicked.connect(lambda _checked=False, s=slot: s())
            # The city is the root (nothing to request or install); a township has no station below it.
            button.setVisible(not (level == "city" and key in ("enroll", "install")
                                   or level == "township" and key in ("certify", "revoke", "recovery", "move")))
            self.buttons[key] = button
            buttons.addWidget(button)
        choose = QtWidgets.QMenu(self.buttons["enroll"])
        plain = choose.addAction(TEXTS["enroll_plain"])
        plain.triggered.connect(lambda _checked=False: self.enroll())
        fresh = choose.addAction(TEXTS["enroll_new_key"])
        fresh.triggered.connect(lambda _checked=False: self.enroll(new_key=True))
        self.buttons["enroll"].setMenu(choose)
        form = QtWidgets.QFormLayout()
        form.addRow(TEXTS["self"], self.me)
        form.addRow(TEXTS["root"], self.root)
        form.addRow(TEXTS["parent"], self.parent_label)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        for title, table in ((TEXTS["children"], self.child_table), (TEXTS["others"], self.others),
                             (TEXTS["revocations"], self.revocations)):
            heading = QtWidgets.QLabel(title)
            layout.addWidget(heading)
            layout.addWidget(table)
            if table is self.child_table and level == "township":
                heading.hide()
                table.hide()
        self.moves = QtWidgets.QLabel()
        self.moves.setObjectName("stationMoves")
        self.moves.setWordWrap(True)
        layout.addWidget(self.moves)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        if bus is not None:
            bus.changed.connect(lambda kinds, ids: self.refresh() if {"stations", "sync"} & set(kinds) else None)
        self.refresh()
        fit_to_screen(fitted(self), 1100, 660)

    @staticmethod
    def _table(name: str, headers: tuple[str, ...]) -> QtWidgets.QTableWidget:
        table = QtWidgets.QTableWidget(0, len(headers))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(list(headers))
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        return table

    def refresh(self) -> None:
        try:
            data = sync.stations(self.desk)
        except DomainError as err:
            show_error(self.error, str(err))
            return
        me = data["self"]
        self.me.setText(TEXTS["line"].format(code=me["code"], name=me["name"], level=me["level_label"],
                                             fingerprint=me["fingerprint"], dates=_dates(me["certificate"])))
        self.hint.setVisible(me["certificate"] is None)
        history = data["sync"]
        for label, c in ((self.root, data["root"]), (self.parent_label, data["parent"])):
            text = TEXTS["none"]
            if c:
                text = TEXTS["line"].format(code=c["code"], name=c["name"], level=c["level_label"],
                                            fingerprint=c["fingerprint"], dates=_dates(c))
                if label is self.parent_label:
                    log = history.get(c["code"], {})
                    text += TEXTS["last_sync"].format(
                        imported=minute_text(log.get("last_import", {}).get("at", "")) or TEXTS["never"],
                        exported=minute_text(log.get("last_export", {}).get("at", "")) or TEXTS["never"])
            label.setText(text)
        for table, rows in ((self.child_table, data["children"]), (self.others, data["others"])):
            table.setRowCount(len(rows))
            for row, c in enumerate(rows):
                log = history.get(c["code"], {})
                status = TEXTS["revoked"] if c["revoked_at"] else TEXTS["valid"]
                cells = (c["code"], c["name"], c["level_label"], c["fingerprint"], _dates(c, seconds=False), status,
                         minute_text(log.get("last_import", {}).get("at", "")),
                         minute_text(log.get("last_export", {}).get("at", "")))
                for column, text in enumerate(cells):
                    item = QtWidgets.QTableWidgetItem(text)
                    if column == 5 and c["revoked_at"]:
                        item.setToolTip(TEXTS["revoked_tip"].format(at=when_text(c["revoked_at"])))
                        item.setForeground(QtGui.QBrush(QtGui.QColor(ERROR_HEX)))
                    table.setItem(row, column, item)
            table.resizeColumnsToContents()
        revs = data["revocations"]
        self.revocations.setRowCount(len(revs))
        for row, r in enumerate(revs):
            for column, text in enumerate((r["code"], when_text(r["revoked_at"]), r["by"], r["reason"])):
                self.revocations.setItem(row, column, QtWidgets.QTableWidgetItem(text))
        self.revocations.resizeColumnsToContents()
        self.moves.setText("\n".join(TEXTS["moves"].format(
            code=m["code"], successor=m["successor"], new=m["new_county"], old=m["old_county"],
            at=when_text(m["moved_at"])[:16], reason=m["reason"]) for m in data["moves"]))
        self.moves.setVisible(bool(data["moves"]))

    def _run(self, action: Any) -> Any:
        try:
            result = action()
        except DomainError as err:
            show_error(self.error, str(err))
            return None
        show_error(self.error, "")
        self.refresh()
        return result

    def enroll(self, path: Path | None = None, new_key: bool = False, confirmed: bool = False) -> None:
        if new_key and not confirmed and QtWidgets.QMessageBox.question(
                self, TEXTS["enroll_new_key"], TEXTS["confirm_new_key"]) != QtWidgets.QMessageBox.StandardButton.Yes:
            return
        if path is None:
            name = f"{self.desk.require_station().code}.req"
            chosen, _ = QtWidgets.QFileDialog.getSaveFileName(self, TEXTS["enroll"], str(Path.home() / name),
                                                              TEXTS["req_filter"])
            path = Path(chosen) if chosen else None
        if path is None:
            return
        request = self._run(lambda: sync.enroll_request(self.desk, path, new_key=new_key))
        if request is not None:
            from app.sync.keys import fingerprint

            message(self, TEXTS["title"], TEXTS["enrolled"].format(path=path, fingerprint=fingerprint(
                request.public_key)), QtWidgets.QMessageBox.Icon.Information)

    def install(self, path: Path | None = None) -> None:
        if path is None:
            chosen, _ = QtWidgets.QFileDialog.getOpenFileName(self, TEXTS["install"], str(Path.home()),
                                                              TEXTS["cert_filter"])
            path = Path(chosen) if chosen else None
        if path is not None and self._run(lambda: sync.install_cert(self.desk, path)) is not None:
            root = sync.identity(self.desk).chain[-1]
            message(self, TEXTS["title"], TEXTS["installed"].format(code=root.code, name=root.name),
                    QtWidgets.QMessageBox.Icon.Information)

    def certify(self, request: Path | None = None, out: Path | None = None, confirmed: bool = False) -> None:
        if request is None:
            chosen, _ = QtWidgets.QFileDialog.getOpenFileName(self, TEXTS["certify"], str(Path.home()),
                                                              TEXTS["req_filter"])
            request = Path(chosen) if chosen else None
        if request is None:
            return
        read = self._run(lambda: sync.read_request(request))
        if read is None:
            return
        from app.sync.keys import fingerprint

        if not confirmed:
            answer = QtWidgets.QMessageBox.question(self, TEXTS["certify"], TEXTS["confirm_certify"].format(
                code=read.code, name=read.name, fingerprint=fingerprint(read.public_key)))
            if answer != QtWidgets.QMessageBox.StandardButton.Yes:
                return
        if out is None:
            chosen, _ = QtWidgets.QFileDialog.getSaveFileName(self, TEXTS["certify"],
                                                              str(request.with_suffix(".cert")), TEXTS["cert_filter"])
            out = Path(chosen) if chosen else None
        if out is None:
            return
        target = out
        cert = self._run(lambda: sync.certify(self.desk, request, target))
        if cert is not None:
            message(self, TEXTS["title"], TEXTS["certified"].format(code=cert.code, name=cert.name, path=target,
                                                                    fingerprint=cert.fingerprint),
                    QtWidgets.QMessageBox.Icon.Information)

    def _selected_child(self) -> str | None:
        rows = {i.row() for i in self.child_table.selectedIndexes()}
        item = self.child_table.item(min(rows), 0) if rows else None
        return item.text() if item is not None else None

    def make_recovery(self, code: str | None = None, out: Path | None = None) -> JobRunner | None:
        """Write the recovery file for a station below (app.ops.recovery), off the GUI thread."""
        code = code or self._selected_child()
        if code is None:
            show_error(self.error, TEXTS["recovery_hint"])
            return None
        if out is None:
            name = f"恢复文件_{code}_{self.desk.now().strftime('%Y%m%d-%H%M')}.zip"
            chosen, _ = QtWidgets.QFileDialog.getSaveFileName(self, TEXTS["recovery"], str(Path.home() / name),
                                                              TEXTS["zip_filter"])
            out = Path(chosen) if chosen else None
        if out is None:
            return None
        show_error(self.error, "")
        target, where = code, out

        def done(result: Any) -> None:
            m = result.manifest
            message(self, TEXTS["title"], TEXTS["recovery_made"].format(
                code=m["receiver"], name=m["receiver_name"], path=parts.describe(result.parts), **m["counts"]),
                QtWidgets.QMessageBox.Icon.Information)

        self.recovery_runner = run_job(
            self.desk, TEXTS["recovery"], lambda desk, say: recovery.recovery_file(desk, target, where, say),
            parent=self, kinds={"sync"}, done=done,
            failed=lambda text: show_error(self.error, TEXTS["recovery_failed"].format(reason=text)))
        return self.recovery_runner

    def move_township(self) -> MoveDialog:
        """A township moved to another county: the county hands over the selected township, the city confirms."""
        city = self.desk.require_station().level == "city"
        # A laptop selected: its township moves, with every laptop of it (app.sync.moves).
        dialog = MoveDialog(self.desk, city, "" if city else township_of(self._selected_child() or ""), self)
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    def revoke(self, code: str | None = None, reason: str | None = None) -> None:
        if code is None:
            rows = {i.row() for i in self.child_table.selectedIndexes()}
            item = self.child_table.item(min(rows), 0) if rows else None
            if item is None:
                return
            code = item.text()
            if QtWidgets.QMessageBox.question(self, TEXTS["revoke"], TEXTS["confirm_revoke"].format(code=code)) \
                    != QtWidgets.QMessageBox.StandardButton.Yes:
                return
            reason, ok = QtWidgets.QInputDialog.getText(self, TEXTS["revoke"], TEXTS["revoke_reason"])
            if not ok:
                return
        target = code
        self._run(lambda: sync.revoke(self.desk, target, reason or ""))
