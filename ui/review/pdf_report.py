"""The printable review: Qt's PDF writer (QPdfWriter + QTextDocument), with bar charts and the chain head."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

from assistant.reports.charts import CHART_TITLES, COUNT_CHARTS, value_axis
from assistant.reports.exporting import about_rows, iter_masked_rows
from assistant.reports.model import Report
from ui.platform.fonts import CJK_FAMILIES, NO_CJK_FONT, ensure_cjk_font

MAX_ROWS_PER_TABLE = 400  # the pdf is for reading and signing; the full rows are in xlsx/csv


TITLE_BAND = 30  # the title's strip at the top; nothing else is drawn in it
LABEL_HEIGHT = 14
PLOT_TOP = TITLE_BAND + LABEL_HEIGHT + 6  # the axis's top value is drawn here


def bar_layout(series: list[tuple[str, float]], width: int, height: int, percent: bool = False):
    """Where everything of a bar chart goes: (title rect, axis top value, [(bar rect, value-label rect,
    category-label rect)]). Value labels sit above their bars, below the title band, whatever the bar's height."""
    top, bottom, left = PLOT_TOP, height - 40, 48
    axis_top, _steps = value_axis(max((v for _, v in series), default=0), percent)
    slot = (width - left - 10) / max(len(series), 1)
    bars = []
    for i, (_label, value) in enumerate(series):
        h = (bottom - top) * value / axis_top
        x = left + i * slot
        bar = QRectF(x + slot * 0.15, bottom - h, slot * 0.7, h)
        label = QRectF(x, max(bottom - h - LABEL_HEIGHT - 2, TITLE_BAND + 2), slot, LABEL_HEIGHT)
        category = QRectF(x, bottom + 4, slot, 32)
        bars.append((bar, label, category))
    return QRectF(0, 4, width, TITLE_BAND - 6), axis_top, bars


def bar_chart(
    title: str, series: list[tuple[str, float]], width: int = 900, height: int = 300, percent: bool = False
) -> QImage:
    """A plain bar chart drawn with QPainter (prints the same everywhere), with a value axis of round numbers."""
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setFamilies(CJK_FAMILIES)
    font.setPixelSize(16)
    p.setFont(font)
    series = series[:30]
    title_rect, axis_top, bars = bar_layout(series, width, height, percent)
    p.drawText(title_rect, Qt.AlignmentFlag.AlignHCenter, title)
    font.setPixelSize(11)
    p.setFont(font)
    if not series:
        p.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignCenter, "（无数据）")
        p.end()
        return image
    bottom = height - 40
    _top, steps = value_axis(axis_top, percent)
    for k in range(steps + 1):  # the axis: round numbers only
        y = bottom - (bottom - PLOT_TOP) * k / steps
        p.drawText(QRectF(0, y - 7, 44, 14), Qt.AlignmentFlag.AlignRight, f"{axis_top * k / steps:g}")
    for (bar, label, category), (name, value) in zip(bars, series, strict=True):
        p.fillRect(bar, QColor("#3a7bd5"))
        p.drawText(label, Qt.AlignmentFlag.AlignHCenter, f"{value:g}")
        p.drawText(category, Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap, str(name)[-10:])
    p.drawLine(48, bottom, width - 10, bottom)
    p.end()
    return image


def _png_data_uri(image: QImage) -> str:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return "data:image/png;base64," + bytes(data.toBase64()).decode()


def report_html(report: Report, masked: bool, generated: datetime) -> tuple[str, dict[str, QImage]]:
    e = html.escape
    head = f"<p style='font-size:8pt'>链尾事件 #{report.head_id} 哈希 <tt>{report.head_hash}</tt></p>"
    parts = [
        "<h1>窗口服务助手 · 值班长审阅报告</h1>",
        head,
        "<table border='1' cellspacing='0' cellpadding='3'>",
    ]
    for key, value in about_rows(report, masked, generated)[:9]:
        parts.append(f"<tr><td><b>{e(key)}</b></td><td>{e(value)}</td></tr>")
    parts.append("</table>")
    images = {}
    for key, title in CHART_TITLES.items():
        images[key] = bar_chart(title, report.charts.get(key, []), percent=key not in COUNT_CHARTS)
        parts.append(f"<p><img src='chart-{key}' width='620'></p>")
    for table in report.tables.values():
        count = len(table)
        parts.append(f"<h2>{e(table.title)}（{count} 行）</h2>")
        if not count:
            parts.append("<p>无记录。</p>")
            continue
        parts.append("<table border='1' cellspacing='0' cellpadding='2' style='font-size:7pt'><tr>")
        parts.extend(f"<th>{e(label)}</th>" for label in table.labels)
        parts.append("</tr>")
        for row in iter_masked_rows(table, masked, table.page(0, MAX_ROWS_PER_TABLE)[0], report.personal):
            parts.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>")
        parts.append("</table>")
        if count > MAX_ROWS_PER_TABLE:
            parts.append(f"<p>仅列出前 {MAX_ROWS_PER_TABLE} 行，完整数据请导出 xlsx 或 csv。</p>")
    parts.append(head)
    return "".join(parts), images


_APP = None


def _application() -> None:
    global _APP
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:  # the CLI export: fonts need an application object
        _APP = QGuiApplication(["window-assistant"])


class PdfWriter:
    """Qt's pdf writer, as assistant.reports.exporting.export takes it: asked first whether it can write, then
    called."""

    def refusal(self) -> str:
        """Why no pdf can be written here ("" when one can): without a Chinese font it would be all boxes."""
        _application()
        return "" if ensure_cjk_font() else f"无法导出 pdf：{NO_CJK_FONT}xlsx 和 csv 导出不受影响。"

    def __call__(self, report: Report, path: Path, masked: bool, generated: datetime) -> list[Path]:
        _application()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = QPdfWriter(str(path))
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Landscape,
                QMarginsF(12, 12, 12, 12),
                QPageLayout.Unit.Millimeter,
            )
        )
        writer.setResolution(150)
        writer.setTitle("窗口服务助手 · 值班长审阅报告")
        body, images = report_html(report, masked, generated)
        doc = QTextDocument()
        font = QFont()
        font.setFamilies(CJK_FAMILIES)
        font.setPointSize(9)
        doc.setDefaultFont(font)
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QTextDocument as _TD

        for key, image in images.items():
            doc.addResource(_TD.ResourceType.ImageResource.value, QUrl(f"chart-{key}"), image)
        doc.setHtml(body)
        doc.print_(writer)
        del writer  # the file is complete and closed only once the writer is gone
        if not path.exists():
            raise OSError(f"PDF 未能写入 {path}")
        return [path]


write_pdf = PdfWriter()

__all__ = ["PdfWriter", "_png_data_uri", "bar_chart", "report_html", "write_pdf"]
