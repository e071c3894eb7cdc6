"""Look and feel: Fusion with a light or a dark palette that follows the system, icons tinted to match.

The system's choice comes from ``QStyleHints.colorScheme()`` (Qt 6.5+); a person may
override it in View ▸ Appearance, kept in QSettings. Icons are single-colour SVGs in
``resources/icons`` drawn in black; they are tinted with the palette's text colour and
rendered at the screen's pixel ratio, so they stay crisp on high-DPI screens and
legible in both palettes.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QRectF, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QStyleFactory

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
ICONS = RESOURCES / "icons"
ACCENT = QColor("#2f5d62")
ACCENT_DARK = QColor("#5fa8a0")
SETTING = "view/appearance"


class Appearance(Enum):
    """The palette a person chose: the system's, or always light or dark."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"

    @property
    def label(self) -> str:
        return {"system": "Follow the System", "light": "Light", "dark": "Dark"}[self.value]


def light_palette() -> QPalette:
    """Return the light palette: warm paper-white, ink text, the brand's teal for selection."""
    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#f3f1ed", QPalette.ColorRole.WindowText: "#1f2328",
        QPalette.ColorRole.Base: "#ffffff", QPalette.ColorRole.AlternateBase: "#f0eee9",
        QPalette.ColorRole.ToolTipBase: "#fffdf6", QPalette.ColorRole.ToolTipText: "#1f2328",
        QPalette.ColorRole.PlaceholderText: "#7a7f87", QPalette.ColorRole.Text: "#1f2328",
        QPalette.ColorRole.Button: "#eceae5", QPalette.ColorRole.ButtonText: "#1f2328",
        QPalette.ColorRole.BrightText: "#b3261e", QPalette.ColorRole.Light: "#ffffff",
        QPalette.ColorRole.Midlight: "#e2dfd8", QPalette.ColorRole.Mid: "#c4c0b8", QPalette.ColorRole.Dark: "#9c978e",
        QPalette.ColorRole.Shadow: "#5c5850", QPalette.ColorRole.Highlight: ACCENT.name(),
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Link: "#1f6f8b",
        QPalette.ColorRole.LinkVisited: "#6b4f8b", QPalette.ColorRole.Accent: ACCENT.name(),
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    _disabled(p, "#9a9ea5")
    return p


def dark_palette() -> QPalette:
    """Return the dark palette: charcoal surfaces, soft white text, a lighter teal for selection."""
    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#23262b", QPalette.ColorRole.WindowText: "#e6e6e3",
        QPalette.ColorRole.Base: "#1b1d21", QPalette.ColorRole.AlternateBase: "#272a30",
        QPalette.ColorRole.ToolTipBase: "#30343a", QPalette.ColorRole.ToolTipText: "#e6e6e3",
        QPalette.ColorRole.PlaceholderText: "#8c9096", QPalette.ColorRole.Text: "#e6e6e3",
        QPalette.ColorRole.Button: "#2d3137", QPalette.ColorRole.ButtonText: "#e6e6e3",
        QPalette.ColorRole.BrightText: "#ff8a80", QPalette.ColorRole.Light: "#3a3f46",
        QPalette.ColorRole.Midlight: "#33373e", QPalette.ColorRole.Mid: "#4a4f57", QPalette.ColorRole.Dark: "#15171a",
        QPalette.ColorRole.Shadow: "#000000", QPalette.ColorRole.Highlight: ACCENT_DARK.name(),
        QPalette.ColorRole.HighlightedText: "#101214", QPalette.ColorRole.Link: "#7cc4d8",
        QPalette.ColorRole.LinkVisited: "#b59bd6", QPalette.ColorRole.Accent: ACCENT_DARK.name(),
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    _disabled(p, "#6b7078")
    return p


def _disabled(p: QPalette, colour: str) -> None:
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))


def system_is_dark() -> bool:
    """Return whether the system asks for a dark appearance."""
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def is_dark(palette: QPalette) -> bool:
    """Return whether ``palette`` is a dark one (light text on dark windows)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class Theme(QObject):
    """Applies the chosen appearance to the application and re-applies it when the system's changes."""

    #: Emitted after the palette changed (widgets re-tint their icons).
    changed = Signal()

    def __init__(self, app: QApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        app.setStyle(QStyleFactory.create("Fusion"))
        self.appearance = Appearance(QSettings().value(SETTING, Appearance.SYSTEM.value))
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_changed)
        self.apply()

    @property
    def dark(self) -> bool:
        """Return whether the dark palette is in use."""
        if self.appearance is Appearance.SYSTEM:
            return system_is_dark()
        return self.appearance is Appearance.DARK

    def set_appearance(self, appearance: Appearance) -> None:
        """Use ``appearance`` from now on and remember it."""
        self.appearance = appearance
        QSettings().setValue(SETTING, appearance.value)
        self.apply()

    def apply(self) -> None:
        """Set the palette and the style sheet for the current appearance."""
        dark = self.dark
        self._app.setPalette(dark_palette() if dark else light_palette())
        self._app.setStyleSheet(style_sheet(dark))
        tinted_svg.cache_clear()
        self.changed.emit()

    def _system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.appearance is Appearance.SYSTEM:
            self.apply()


def style_sheet(dark: bool) -> str:
    """Return the app's style sheet: the shared one, then the palette's additions."""
    parts = [(RESOURCES / "style.qss").read_text(encoding="utf-8")]
    extra = RESOURCES / ("style-dark.qss" if dark else "style-light.qss")
    if extra.is_file():
        parts.append(extra.read_text(encoding="utf-8"))
    return "\n".join(parts)


@cache
def tinted_svg(name: str, colour: str) -> QByteArray:
    """Return the SVG of icon ``name`` with its black strokes and fills in ``colour``."""
    text = (ICONS / f"{name}.svg").read_text(encoding="utf-8")
    return QByteArray(text.replace("#000000", colour).encode("utf-8"))


def icon(name: str, colour: QColor | str, size: int = 20) -> QIcon:
    """Return icon ``name`` tinted ``colour``, with crisp pixmaps for 1x, 1.5x, 2x and 3x screens."""
    renderer = QSvgRenderer(tinted_svg(name, QColor(colour).name()))
    result = QIcon()
    for ratio in (1.0, 1.5, 2.0, 3.0):
        side = round(size * ratio)
        pixmap = QPixmap(QSize(side, side))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, side, side))
        painter.end()
        pixmap.setDevicePixelRatio(ratio)
        result.addPixmap(pixmap)
    return result


def palette_icon(name: str, palette: QPalette, size: int = 20) -> QIcon:
    """Return icon ``name`` in the text colour of ``palette``, plus a version for selected rows."""
    normal = palette.color(QPalette.ColorRole.WindowText)
    selected = palette.color(QPalette.ColorRole.HighlightedText)
    result = icon(name, normal, size)
    selected_icon = icon(name, selected, size)
    for ratio in (1.0, 2.0):
        result.addPixmap(selected_icon.pixmap(QSize(size, size), ratio), QIcon.Mode.Selected)
    return result
