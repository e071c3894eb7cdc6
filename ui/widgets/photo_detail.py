"""The Shoot page's detail panel: one photo, its garment box editor, its preset and its renders."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lookbook.photos.recipes import PhotoDetail
from lookbook.photos.review import ReviewReason, clear_words
from ui.widgets.box_editor import BoxEditor

#: The hero render's preview (4:5, like the default preset) and the two detail crops beside it.
PREVIEW = QSize(120, 150)
DETAIL = QSize(72, 72)


class RenderPreview(QLabel):
    """A fixed-size picture of one render, with a caption below it in its tooltip and accessible name."""

    def __init__(self, caption: str, size: QSize, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self._size = size
        self.setFixedSize(size)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFrameShape(QLabel.Shape.StyledPanel)
        self.setAccessibleName(caption)
        self.setToolTip(caption)
        self.clear_preview("—")

    def show_image(self, image: QImage) -> None:
        pixmap = QPixmap.fromImage(image)
        ratio = self.devicePixelRatioF()
        scaled = pixmap.scaled(self._size * ratio, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
        scaled.setDevicePixelRatio(ratio)
        self.setPixmap(scaled)

    def clear_preview(self, text: str) -> None:
        self.setPixmap(QPixmap())
        self.setText(text)

    def set_caption(self, caption: str) -> None:
        """Name what the preview shows (a detail slot shows a collar for a shirt, a waistband for trousers)."""
        self.caption = caption
        self.setAccessibleName(caption)
        self.setToolTip(caption)


class PhotoDetailPanel(QWidget):
    """Shows the selected photo; its box editor and preset combo report edits as signals."""

    preset_chosen = Signal(str)
    #: The person asked to edit the style presets (the "Edit…" button beside the combo).
    edit_presets = Signal()
    reset_box = Signal()
    mark_reviewed = Signal()
    #: The person asked to forget the photo's white point (keep the photo's own colour).
    clear_neutral = Signal()
    #: The person asked to see the original and the render at 100 %.
    compare = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: PhotoDetail | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.setSpacing(6)
        self.title = QLabel("<b>No photo selected</b>")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        self.status = QLabel("Choose a photo in the grid to check its garment box.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.editor = BoxEditor()
        self.editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout.addWidget(self.editor, 1)

        # Below the editor, one row: the renders on the left, the preset and buttons on the right.
        # Stacked one under another they needed more height than a 768-pixel screen leaves the panel,
        # and the layout squeezed them on top of each other.
        renders = QGridLayout()
        renders.setSpacing(6)
        self.hero = RenderPreview("Hero shot", PREVIEW)
        # Two detail slots: which crops fill them follows the product's category (collar and cuff,
        # waistband and hem, neckline and hem; none for shoes, hats and photos not tied yet).
        self.details = (RenderPreview("First detail", DETAIL), RenderPreview("Second detail", DETAIL))
        renders.addWidget(self.hero, 0, 0, 2, 1)
        renders.addWidget(self.details[0], 0, 1)
        renders.addWidget(self.details[1], 1, 1)

        controls = QVBoxLayout()
        controls.setSpacing(6)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.preset = QComboBox()
        self.preset.setToolTip("The style the shot is rendered in (aspect, margin, background)")
        self.preset.setAccessibleName("Style preset")
        self.preset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset.setMinimumContentsLength(8)
        self.preset.activated.connect(lambda _i: self.preset_chosen.emit(self.preset.currentText()))
        self.edit_presets_button = QToolButton()
        self.edit_presets_button.setText("Edit…")
        self.edit_presets_button.setToolTip("Edit the style presets (Ctrl+Shift+P)")
        self.edit_presets_button.setAccessibleName("Edit style presets")
        self.edit_presets_button.clicked.connect(self.edit_presets)
        preset_row = QHBoxLayout()
        preset_row.setSpacing(4)
        preset_row.addWidget(self.preset, 1)
        preset_row.addWidget(self.edit_presets_button)
        preset_label = QLabel("&Preset:")
        preset_label.setBuddy(self.preset)
        form.addRow(preset_label, preset_row)
        controls.addLayout(form)
        self.reset_button = QPushButton("Use &Detected Box")
        self.reset_button.setToolTip("Forget the box set by hand and go back to the one the app found")
        self.reset_button.clicked.connect(self.reset_box)
        self.reviewed_button = QPushButton("&Box Is Right")
        self.reviewed_button.setToolTip("The detected box fits: clear the review flag (Ctrl+Enter)")
        self.reviewed_button.clicked.connect(self.mark_reviewed)
        self.compare_button = QPushButton("&Zoom and Compare…")
        self.compare_button.setToolTip("The original and the hero render at 100 %, one click apart")
        self.compare_button.clicked.connect(self.compare)
        # One under the other: side by side they made the panel too wide for a laptop's half screen.
        for button in (self.reset_button, self.reviewed_button, self.compare_button):
            controls.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        # The eyedropper: click "Pick White Point", then something white or grey in the photo.
        self.pick_button = QPushButton("Pick &White Point")
        self.pick_button.setCheckable(True)
        self.pick_button.setToolTip("Then click something white or grey in the photo (a grey card, a white label, "
                                    "a neutral wall): the shot's white balance is taken from it. Esc cancels.")
        self.pick_button.setAccessibleName("Pick white point")
        self.pick_button.toggled.connect(self.editor.set_picking)
        self.editor.picking_changed.connect(self.pick_button.setChecked)
        self.clear_neutral_button = QToolButton()
        self.clear_neutral_button.setText("Clear")
        self.clear_neutral_button.setToolTip("Forget the white point: keep the photo's own colour")
        self.clear_neutral_button.setAccessibleName("Clear white point")
        self.clear_neutral_button.clicked.connect(self.clear_neutral)
        neutral_row = QHBoxLayout()
        neutral_row.setSpacing(4)
        neutral_row.addWidget(self.pick_button)
        neutral_row.addWidget(self.clear_neutral_button)
        neutral_row.addStretch(1)
        controls.addLayout(neutral_row)
        self.render_status = QLabel()
        self.render_status.setWordWrap(True)
        self.render_status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        controls.addWidget(self.render_status)
        controls.addStretch(1)

        below = QHBoxLayout()
        below.setSpacing(12)
        below.addLayout(renders)
        below.addLayout(controls, 1)
        layout.addLayout(below)
        # Under the hero: why the shot is flagged, each reason in words a person can check on the photo
        # (plain text: a file name or a cleanup's words never turn into markup).
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setTextFormat(Qt.TextFormat.PlainText)
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reasons.setAccessibleName("Why this shot is flagged for review")
        self.reasons.setVisible(False)
        layout.addWidget(self.reasons)
        self.setTabOrder(self.editor, self.preset)
        self.setTabOrder(self.preset, self.edit_presets_button)
        self.setTabOrder(self.edit_presets_button, self.reset_button)
        self.setTabOrder(self.reset_button, self.reviewed_button)
        self.setTabOrder(self.reviewed_button, self.pick_button)
        self.setTabOrder(self.pick_button, self.clear_neutral_button)
        self.show_detail(None)

    def set_presets(self, names: list[str]) -> None:
        current = self.preset.currentText()
        self.preset.clear()
        self.preset.addItems(names)
        if self.detail is not None and self.detail.preset in names:
            self.preset.setCurrentText(self.detail.preset)
        elif self.detail is not None:
            self.preset.setCurrentIndex(0)  # the default (the list starts with it)
        elif current in names:
            self.preset.setCurrentText(current)

    def show_detail(self, detail: PhotoDetail | None) -> None:
        """Show ``detail``'s facts (the picture and renders arrive separately)."""
        self.detail = detail
        enabled = detail is not None
        for widget in (self.preset, self.reset_button, self.reviewed_button, self.editor, self.pick_button,
                       self.clear_neutral_button, self.compare_button):
            widget.setEnabled(enabled)
        if detail is None:
            self.title.setText("<b>No photo selected</b>")
            self.status.setText("Choose a photo in the grid to check its garment box.")
            self.editor.clear()
            for preview in (self.hero, *self.details):
                preview.clear_preview("—")
            self.render_status.clear()
            self.show_reasons(())
            return
        product = (f"{detail.brand} · {detail.sku} · {detail.product_name}" if detail.sku
                   else "Not tied to a product yet")
        self.title.setText(f"<b>{detail.name}</b><br>{product}")
        self.status.setText(self._status_text(detail))
        self.reset_button.setEnabled(detail.box is not None)
        self.reviewed_button.setEnabled(detail.needs_review)
        self.show_reasons(detail.review_reasons)
        self.clear_neutral_button.setEnabled(detail.neutral is not None)
        self.editor.set_neutral(detail.neutral)
        if detail.preset is not None:
            self.preset.setCurrentText(detail.preset)
        elif self.preset.count():
            self.preset.setCurrentIndex(0)

    def show_reasons(self, reasons: tuple[ReviewReason, ...]) -> None:
        """Show why the shot is flagged under the hero, and word the clear-flag button for what they ask to check."""
        self.reasons.setText("\n".join(["Flagged for review:", *(f"• {r.text}" for r in reasons)]) if reasons else "")
        self.reasons.setVisible(bool(reasons))
        words = clear_words(reasons) if reasons else "Box Is Right"
        self.reviewed_button.setText("&" + words)
        checked = {"Box Is Right": "The detected box fits", "Hero Is Clean": "No hanger, hook, prop or hand shows in "
                   "the hero"}.get(words, "The box, the cut-out and the hero's colour are right")
        self.reviewed_button.setToolTip(f"{checked}: clear the review flag (Ctrl+Enter)")
        self.reviewed_button.setAccessibleName(words)

    @staticmethod
    def _status_text(detail: PhotoDetail) -> str:
        # The button the text sends a person to, in its own words (they follow the reasons).
        words = clear_words(detail.review_reasons) if detail.review_reasons else "Box Is Right"
        if detail.needs_review and detail.colour_needs_review:
            return (f"<span style='color:#d9822b'><b>Please check the colour:</b></span> the hero's garment differs "
                    f"from the photo's by {detail.colour_shift:.0f} (a*b*; 2 is just noticeable). Compare them; if the "
                    f"hero is wrong, pick a white point on something white or grey, then click “{words}”.")
        if detail.box is not None:
            return "Box set by hand. Drag its handles to adjust it."
        if detail.detected_box is None:
            return "Finding the garment…"
        confidence = f"{detail.confidence:.0%}" if detail.confidence is not None else "unknown"
        from lookbook.photos.detect import REVIEW_BELOW  # OpenCV loads when a photo is shown, not with the app

        if detail.needs_review and detail.confidence is not None and detail.confidence >= REVIEW_BELOW:
            # The box itself is sure, so the flag came from the cut-out cleanup (hanger, prop, hole): saying
            # "unsure of this box (confidence 99%)" sent people to a box that was right.
            # Name what the cleanup saw where it said (the full list is under the hero); else the general words.
            seen = [r.text for r in detail.review_reasons if r.kind == "cutout"]
            more = f" (and {len(seen) - 1} more, listed below)" if len(seen) > 1 else ""
            what = (html.escape(seen[0], quote=False) + more if seen
                    else "a hanger, hook or prop may still show in the hero, or part of the garment may be cut away")
            return ("<span style='color:#d9822b'><b>Please check the cut-out:</b></span> "
                    f"{what} (the box itself looks right, confidence {confidence}). Compare the hero below; drag the "
                    f"box's edges to leave a hanger out, or click “{words}”.")
        if detail.needs_review:
            return (f"<span style='color:#d9822b'><b>Please check:</b></span> the app is unsure of this box "
                    f"(confidence {confidence}). Drag its handles to fit the garment, or click “{words}”.")
        return f"Box found by the app (confidence {confidence}). Drag its handles to adjust it."
