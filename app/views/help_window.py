"""F1: the handler's manual inside the program (offline), task by task, and 关于 (version, data folder, licences).

The manual is the Markdown files in ``resources/manual/`` (one per task, in file-name order), with pictures the
program took of itself on a demo station (``python -m app.views.manual_pictures``, run by ``make docs``, which
also writes the manual as a PDF).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from app.views.common import RESOURCES, fit_to_screen, fitted
from app.views.qt import QtCore, QtGui, QtWidgets

MANUAL_DIR = RESOURCES / "manual"
LICENCES = (
    ("信访工作台", "本程序", None),
    ("文泉驿微米黑 WenQuanYi Micro Hei（界面与打印所用中文字体，随程序附带）",
     "Apache License 2.0 或 GPLv3（附字体例外）", RESOURCES / "fonts" / "wqy-microhei-LICENSE.txt"),
    ("Qt / PySide6", "LGPLv3", None),
    ("reportlab", "BSD", None),
    ("openpyxl", "MIT", None),
    ("sqlite-utils", "Apache License 2.0", None),
    ("cryptography", "Apache License 2.0 或 BSD", None),
)
TEXTS = {
    "title": "使用手册 — 信访工作台",
    "about_title": "关于信访工作台",
    "about": ("<h3>信访工作台 Petition Desk</h3><p>版本 {version}</p>"
              "<p>乡镇信访事项的登记、办理、三色督办、四定四包与逐级同步，离线可用，不连接任何网络。"
              "每一步办理都记入不可更改的事件记录（全过程留痕）。</p>"
              "<p><b>数据文件夹：</b>{data_dir}</p><p><b>许可证：</b></p><ul>{licences}</ul>"),
    "licence_item": "<li>{name}：{licence}{file}</li>",
    "licence_file": "（许可证全文：{path}）",
    "open_folder": "打开数据文件夹",
    "close": "关闭",
    "show_licence": "字体许可证全文",
}


def manual_pages() -> list[tuple[str, Path]]:
    """(title, file) of each chapter, in order; the title is the chapter's first heading."""
    pages = []
    for path in sorted(MANUAL_DIR.glob("*.md")):
        first = path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else path.stem
        pages.append((first.lstrip("# ").strip(), path))
    return pages


def fit_pictures(document: QtGui.QTextDocument, width: int) -> None:
    """Pictures no wider than ``width`` (a main-window picture is the screen's width), small ones as they are."""
    cursor = QtGui.QTextCursor(document)
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            image_format = fragment.charFormat().toImageFormat()
            if fragment.isValid() and image_format.isValid():
                natural = QtGui.QImage(str(MANUAL_DIR / image_format.name())).width()
                image_format.setWidth(min(width, natural) if natural > 0 else width)
                cursor.setPosition(fragment.position())
                cursor.setPosition(fragment.position() + fragment.length(), QtGui.QTextCursor.MoveMode.KeepAnchor)
                cursor.setCharFormat(image_format)
            iterator += 1
        block = block.next()


def version() -> str:
    try:
        return metadata.version("petition-desk")
    except metadata.PackageNotFoundError:
        return "开发版"


class HelpWindow(QtWidgets.QDialog):
    """Chapters on the left, the chapter on the right; non-modal, so the handler can follow it while working."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpWindow")
        self.setWindowTitle(TEXTS["title"])
        self.setWindowFlag(QtCore.Qt.WindowType.WindowMaximizeButtonHint, True)
        self.chapters = QtWidgets.QListWidget()
        self.chapters.setObjectName("helpChapters")
        self.page = QtWidgets.QTextBrowser()
        self.page.setObjectName("helpPage")
        self.page.setOpenExternalLinks(False)
        self.page.setSearchPaths([str(MANUAL_DIR)])
        self.pages = manual_pages()
        for title, _path in self.pages:
            self.chapters.addItem(title)
        self.chapters.currentRowChanged.connect(self.show_chapter)
        splitter = QtWidgets.QSplitter()
        splitter.addWidget(self.chapters)
        splitter.addWidget(self.page)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([self.fontMetrics().horizontalAdvance("中") * 16, 620])
        buttons = QtWidgets.QDialogButtonBox()
        close = buttons.addButton(TEXTS["close"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        close.setObjectName("helpClose")
        buttons.rejected.connect(self.close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        fit_to_screen(fitted(self), 900, 680)
        if self.pages:
            self.chapters.setCurrentRow(0)

    def show_chapter(self, row: int) -> None:
        if 0 <= row < len(self.pages):
            path = self.pages[row][1]
            self.page.document().setBaseUrl(QtCore.QUrl.fromLocalFile(str(path)))
            self.page.setMarkdown(path.read_text(encoding="utf-8"))
            fit_pictures(self.page.document(), max(self.page.viewport().width() - 24, 300))

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        fit_pictures(self.page.document(), max(self.page.viewport().width() - 24, 300))

    def show_topic(self, words: str) -> None:
        """Open the chapter whose title holds ``words`` (F1 in a dialog opens that task's chapter)."""
        for row, (title, _path) in enumerate(self.pages):
            if words in title:
                self.chapters.setCurrentRow(row)
                return


class AboutDialog(QtWidgets.QDialog):
    """关于: version, data folder (with a button to open it), the licences, the font's among them."""

    def __init__(self, data_dir: Path, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutBox")
        self.setWindowTitle(TEXTS["about_title"])
        items = "".join(
            TEXTS["licence_item"].format(name=name, licence=licence,
                                         file=TEXTS["licence_file"].format(path=path) if path else "")
            for name, licence, path in LICENCES)
        self.text = QtWidgets.QLabel(TEXTS["about"].format(version=version(), data_dir=data_dir, licences=items))
        self.text.setObjectName("aboutText")
        self.text.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QtWidgets.QDialogButtonBox()
        folder = buttons.addButton(TEXTS["open_folder"], QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        folder.setObjectName("openDataFolder")
        folder.clicked.connect(lambda: QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(data_dir))))
        buttons.addButton(TEXTS["close"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 36)
        fitted(self)
