"""The Products & Brands page: brands, their products and stock by size."""

from __future__ import annotations

from itertools import groupby

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QTreeView, QWidget

from lookbook.listings import ProductRow, format_price, list_products
from ui.pages.base import Page
from ui.workers import StoreRunner

COLUMNS = ["Brand / SKU", "Name", "Category", "Colour", "Price", "Photos", "Stock by size"]


class ProductsPage(Page):
    """The catalog grouped by brand."""

    title = "Products & Brands"
    watches = ("products", "photos")

    def __init__(self, db: StoreRunner, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.summary = QLabel()
        self.layout_.addWidget(self.summary)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(COLUMNS)
        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.layout_.addWidget(self.view)

    def reload(self) -> None:
        self.db.run(list_products, on_done=self._show)

    def _show(self, products: list[ProductRow]) -> None:
        self.model.removeRows(0, self.model.rowCount())
        brands = 0
        for brand, items in groupby(products, key=lambda p: p.brand):
            brands += 1
            items = list(items)
            out = sum(1 for p in items if not p.units)
            brand_item = QStandardItem(brand)
            brand_item.setEditable(False)
            summary = QStandardItem(f"{len(items)} products" + (f", {out} out of stock" if out else ""))
            summary.setEditable(False)
            for p in items:
                cells = [p.sku, p.name, p.category, p.colour, format_price(p.price_minor, p.currency),
                         str(p.photos), p.stock_text()]
                row = [QStandardItem(c) for c in cells]
                for cell in row:
                    cell.setEditable(False)
                    if not p.units:
                        cell.setEnabled(False)  # out of stock: greyed out
                brand_item.appendRow(row)
            self.model.appendRow([brand_item, summary])
        self.view.expandAll()
        for column in range(len(COLUMNS)):
            self.view.resizeColumnToContents(column)
        self.summary.setText(f"{brands} brands · {len(products)} products · "
                             f"{sum(1 for p in products if not p.units)} out of stock")
