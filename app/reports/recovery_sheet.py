"""The recovery sheet: one A4 page with the station's recovery key as text and as a QR code, to print once and
keep in the office safe. With it, ``recover --recovery-key`` sets a new admin password when every admin password is
lost. The sheet is the key: whoever holds it (and the laptop) can open the station."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from app.ops.desk import Station
from app.store.files import output_file

TEXTS: dict[str, str] = {
    "title": "信访工作台 恢复密钥单",
    "station": "站点：{name}（{code}）",
    "made": "生成时间：{at}",
    "key": "恢复密钥：",
    "use": "忘记全部管理员密码时，用此密钥为管理员设置新密码：\n"
           "在命令行运行 recover --recovery-key 恢复密钥 --admin 管理员账号。\n"
           "此单即钥匙：拿到此单和本站电脑的人可以打开全部信访数据。\n"
           "请打印后密封存放于办公室保险柜，不要拍照、复印或存入电脑、U盘；电子文件打印后请删除。",
    "sign": "保管人（签字）：____________    日期：____________",
}


def write_recovery_sheet(path: Path | str, station: Station, recovery_key: str, at: datetime) -> Path:
    """Write the sheet as a PDF (whole or not at all); returns the path."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from app.reports.fonts import cjk_font

    font = cjk_font()
    width, height = A4
    path = Path(path)
    with output_file(path) as temp:
        pdf = canvas.Canvas(str(temp), pagesize=A4)
        pdf.setTitle(TEXTS["title"])
        y = height - 30 * mm
        pdf.setFont(font, 20)
        pdf.drawCentredString(width / 2, y, TEXTS["title"])
        pdf.setFont(font, 12)
        y -= 15 * mm
        pdf.drawString(25 * mm, y, TEXTS["station"].format(name=station.name, code=station.code))
        y -= 7 * mm
        pdf.drawString(25 * mm, y, TEXTS["made"].format(at=at.strftime("%Y-%m-%d %H:%M")))
        y -= 12 * mm
        pdf.drawString(25 * mm, y, TEXTS["key"])
        y -= 10 * mm
        pdf.setFont("Courier-Bold", 12)  # 64 characters: 461 pt, inside the A4 margins
        pdf.drawString(25 * mm, y, recovery_key)
        size = 70 * mm
        widget = QrCodeWidget(recovery_key, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        y -= size + 10 * mm
        renderPDF.draw(drawing, pdf, (width - size) / 2, y)
        pdf.setFont(font, 11)
        y -= 12 * mm
        for line in TEXTS["use"].splitlines():
            pdf.drawString(25 * mm, y, line)
            y -= 7 * mm
        y -= 15 * mm
        pdf.drawString(25 * mm, y, TEXTS["sign"])
        pdf.showPage()
        pdf.save()
    return path
