"""The main window: a sidebar for the workflow, one page per step, the library in the status bar."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeGuard, TypeVar, cast, overload

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
    QResizeEvent,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from lookbook.errors import LookbookError
from lookbook.hooks import Changes
from lookbook.store import roles
from lookbook.store.database import Store, create_store
from lookbook.store.library import Library, default_demo_path
from lookbook.store.users import User
from lookbook.words import plural
from ui.first_run import FirstRunDialog
from ui.notices import NoticeCenter, Notifier
from ui.page_badges import BADGES, badge_for
from ui.pages.base import Page
from ui.pages.shoot import ShootPage
from ui.signin import Session, SignInDialog
from ui.theme import Appearance, Theme, palette_icon
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.guide import FirstRunGuide
from ui.widgets.sidebar import RAIL_WIDTH, Sidebar
from ui.workers import StoreRunner, TaskRunner

if TYPE_CHECKING:  # imported with the page or action that needs them (issue 18: launch speed)
    from lookbook.store.backups import RestoreReport
    from ui.catalog_import import CatalogImportDialog
    from ui.pages.compose import ComposePage
    from ui.pages.outbox import OutboxPage
    from ui.pages.products import ProductsPage

P = TypeVar("P", bound=Page)


class _KeepsActor(Protocol):
    """A page that audits its edits under a name it keeps (the Shoot, Products and Match pages)."""

    actor: str


def _keeps_actor(page: object) -> TypeGuard[_KeepsActor]:
    # A page whose ``actor`` is a name (not a method reading the session) is told who signed in.
    return isinstance(getattr(page, "actor", None), str)


def _tell_actor(page: Page, user: User | None) -> None:
    """Audit ``page``'s edits under ``user`` (else the OS account), if the page keeps such a name."""
    if _keeps_actor(page):
        page.actor = user.username if user is not None else getpass.getuser()

#: Each page's icon (resources/icons/<name>.svg) and the tooltip of its sidebar row.
PAGE_INFO = {
    "Shoot": ("shoot", "Import photos and check each garment's box and render"),
    "Products & Brands": ("products", "The catalog: brands, products, prices and stock by size"),
    "Customers": ("customers", "The customer book: channels, consent, brands they like, sizes"),
    "Match & Compose": ("match", "Make a set of a brand's shots and match it to customers"),
    "Compose Card": ("lookbook", "Lay out a set's card: layout, shots and details in slots, crops, captions"),
    "Approvals": ("approvals", "Messages waiting for a manager's approval"),
    "Outbox": ("outbox", "Approved messages being sent, sent, or failed"),
    "Conversations": ("conversations", "Customers' replies threaded with the messages they answer; answer them"),
    "Tasks": ("tasks", "Follow-ups: replies to answer, holds ending, no reply in three days, lapsed clients"),
    "Reports": ("reports", "What each set sold: sent, replied, held, bought and revenue, opt-outs beside them"),
    "Settings": ("settings", "The library, staff accounts and delivery channels"),
}
#: A window narrower than this shows the sidebar as an icon rail, so the pages' tables keep the room (at
#: 960×600, the window's minimum, a 230-pixel sidebar left the Customers table 160 pixels beside the profile).
RAIL_BELOW = 1180
#: A window shorter than this shows the first-run guide's steps as links alone (their words in tooltips): at
#: 960×600 its 135 pixels squeezed the Products page's set buttons over each other.
GUIDE_SHORT_BELOW = 700
#: The sidebar's width with titles when no saved or dragged width says otherwise.
SIDEBAR_WIDTH = 230
#: A library setting the demo builder sets; the first-run guide shows on such a library.
DEMO_SETTING = "demo"


class MainWindow(QMainWindow):
    """The app's one main window; it is given its runners, and owns no global state."""

    #: Emitted when the status bar counts were refreshed (for tests and badges).
    counts_shown = Signal(dict)

    def __init__(self, db: StoreRunner, thumbs: TaskRunner, parent: QWidget | None = None,
                 theme: Theme | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.thumbs = thumbs
        self.theme = theme
        self.library: Library | None = None
        #: Whether the open library failed its check at open (File ▸ Restore… says so).
        self.library_damaged = False
        self.setWindowTitle("Lookbook Studio")
        self.setMinimumSize(QSize(960, 600))
        self.setAcceptDrops(True)
        self.undo_stack = QUndoStack(self)

        #: Who is working: asked when a library opens, passed to the pages that act for someone.
        self.session = Session(self)
        # Shoot is always built: its actions are in the File, Edit and View menus. Every other page is built the
        # first time it is shown (a placeholder holds its place in the stack until then), so a launch pays only
        # for the page in view (issue 18); badges of pages not built yet come from ui.page_badges on the DB thread.
        self.shoot = ShootPage(db, thumbs, self.undo_stack)
        self.shoot.session = self.session  # presets may be changed by merchandisers, managers and admins
        builders: dict[str, Callable[[], Page]] = {
            "Shoot": lambda: self.shoot, "Products & Brands": self._build_products, "Customers": self._build_customers,
            "Match & Compose": self._build_match, "Compose Card": self._build_compose,
            "Approvals": self._build_approvals, "Outbox": self._build_outbox,
            "Conversations": self._build_conversations, "Tasks": self._build_tasks, "Reports": self._build_reports,
            "Settings": self._build_settings,
        }
        #: The pages' titles, in sidebar order (the Go menu's Ctrl+1… follow it).
        self.page_titles: list[str] = list(PAGE_INFO)
        self._builders = [builders[title] for title in self.page_titles]
        #: Each row's page once built (None until it was first shown or asked for with :meth:`page`).
        self._pages: list[Page | None] = [None] * len(self.page_titles)
        self.sidebar = Sidebar()
        self.stack = QStackedWidget()
        #: Each sidebar row's badge has two parts: the page's own count, and the signed-in person's notices.
        self._page_badges = [""] * len(self.page_titles)
        self._notice_badges = [""] * len(self.page_titles)
        for title in self.page_titles:
            self.sidebar.add_page(title, PAGE_INFO[title][1])
            placeholder = QWidget()
            placeholder.setAccessibleName(f"{title} page")
            self.stack.addWidget(placeholder)
        self._place(0, self.shoot)
        # What happened to the signed-in person's work, told by a badge on the Outbox and a desktop notification.
        self.notifier = Notifier(self)
        self.notices = NoticeCenter(db, self.session, self.notifier, self)
        self.notices.badge_changed.connect(self._show_notices)
        self._tint_icons()
        self.sidebar.currentRowChanged.connect(self._show_page)

        self.guide = FirstRunGuide()
        self.guide.hide()
        self.guide.go_to.connect(self.go_to_page)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(16, 10, 16, 6)
        column.setSpacing(8)
        column.addWidget(self.guide)
        column.addWidget(self.stack, 1)
        self.splitter = QSplitter()
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setHandleWidth(1)  # a hairline between the sidebar and the page
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(content)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(0, False)
        self.splitter.setSizes([SIDEBAR_WIDTH, 1050])
        #: The sidebar's width with titles, given back when the window grows past RAIL_BELOW again.
        self._titled_width = SIDEBAR_WIDTH
        self.setCentralWidget(self.splitter)

        self.library_label = ElidedLabel()  # the path gives way at 960 px: the counts beside it stay whole
        self.counts_label = QLabel()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setToolTip("Working…")
        self.busy.hide()
        self.statusBar().addWidget(self.library_label, 1)
        self.user_label = QLabel("Not signed in")
        self.statusBar().addPermanentWidget(self.user_label)
        self.session.changed.connect(self._show_user)
        self.session.changed.connect(self._set_actor)
        self.session.changed.connect(lambda _user: self._refresh_badges())
        self.statusBar().addPermanentWidget(self.counts_label)
        self.statusBar().addPermanentWidget(self.busy)
        self._build_menus()

        db.library_opened.connect(self._on_library_opened)
        db.library_changed.connect(self._on_library_changed)
        db.failed.connect(self.show_error)
        db.busy_changed.connect(self.busy.setVisible)
        self.shoot.failed.connect(self.show_error)
        if theme is not None:
            theme.changed.connect(self._tint_icons)
        self.sidebar.setCurrentRow(0)
        self._restore_state()

    # -- menus ---------------------------------------------------------------------
    def _action(self, text: str, slot: object, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self._action("&New Library…", self.new_library, QKeySequence.StandardKey.New,
                                         "Create an empty library in a folder"))
        file_menu.addAction(self._action("&Open Library…", self.open_library_dialog, QKeySequence.StandardKey.Open,
                                         "Open a library folder"))
        file_menu.addAction(self._action("Open the &Demo Library", self.open_demo_library, None,
                                         "Open the demo library (real photos, an invented catalog and customers)"))
        file_menu.addSeparator()
        file_menu.addAction(self.shoot.import_files_action)
        file_menu.addAction(self.shoot.import_folder_action)
        self.import_catalog_action = self._action("Import &Catalog…", self.import_catalog_dialog, None,
                                                  "Check a catalog file (CSV or Excel), then import its products "
                                                  "and stock")
        file_menu.addAction(self.import_catalog_action)
        self.export_action = self._action("&Export Lookbook PDF…", self.export_lookbook, "Ctrl+E",
                                          "Save a set as a PDF lookbook for e-mail or print")
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        self.restore_action = self._action("&Restore…", self.restore_dialog, None,
                                           "Put back a verified backup of this library (the current file is kept)")
        file_menu.addAction(self.restore_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Sign In…", self.sign_in, "Ctrl+Shift+U",
                                         "Say who is working (approvals act as this person)"))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, "Ctrl+Q"))  # StandardKey.Quit is empty on some desktops

        edit = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addActions([undo, redo])
        self.undo_action, self.redo_action = undo, redo
        edit.addSeparator()
        edit.addAction(self.shoot.presets_action)

        view = bar.addMenu("&View")
        # Changes made anywhere arrive by themselves; F5 reloads the page at once all the same.
        self.refresh_action = self._action("&Refresh", self.refresh, "F5", "Load the page shown again")
        view.addAction(self.refresh_action)
        view.addSeparator()
        view.addActions(self.shoot.view_actions())
        view.addSeparator()
        appearance = view.addMenu("&Appearance")
        group = QActionGroup(self)
        current = self.theme.appearance if self.theme is not None else Appearance.SYSTEM
        self.appearance_actions: dict[Appearance, QAction] = {}
        for choice in Appearance:
            action = QAction(choice.label, self, checkable=True, checked=choice is current)
            action.triggered.connect(lambda checked=False, choice=choice: self.set_appearance(choice))
            group.addAction(action)
            appearance.addAction(action)
            self.appearance_actions[choice] = action

        go = bar.addMenu("&Go")
        for row, title in enumerate(self.page_titles):
            go.addAction(self._action(title, lambda checked=False, row=row: self.sidebar.setCurrentRow(row),
                                      f"Ctrl+{row + 1}", PAGE_INFO[title][1]))

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&Getting Started", self.show_guide, QKeySequence.StandardKey.HelpContents,
                                         "Show the first-run guide again"))
        help_menu.addAction(self._action("&Keyboard Shortcuts", self.show_shortcuts, "Ctrl+/"))
        help_menu.addSeparator()
        help_menu.addAction(self._action("&About Lookbook Studio", lambda: QMessageBox.about(
            self, "About Lookbook Studio",
            "<b>Lookbook Studio</b><br>Product shots to personal lookbooks, sent with a manager's approval.")))

    def export_lookbook(self, set_id: int | None = None) -> None:
        """Save a set as a PDF lookbook (asks which set and where)."""
        if self.library is None:
            self.show_error(LookbookError("No library is open. Open one with File ▸ Open Library… first."))
            return
        from ui.export_pdf import export_lookbook  # the PDF writer loads with the first export

        export_lookbook(self, self.db, self.shoot.renderer, self.shoot.actor, self.library.exports_dir, set_id)

    def set_appearance(self, appearance: Appearance) -> None:
        """Use the light or dark palette, or follow the system."""
        if self.theme is not None:
            self.theme.set_appearance(appearance)
        self.appearance_actions[appearance].setChecked(True)

    def show_shortcuts(self) -> None:
        """List every menu action that has a shortcut."""
        rows = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            for action in menu.actions() if isinstance(menu, QMenu) else []:
                if not action.shortcut().isEmpty():
                    name = action.text().replace("&", "")
                    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                    rows.append(f"<tr><td>{name}</td><td>&nbsp;&nbsp;<b>{keys}</b></td></tr>")
        QMessageBox.information(self, "Keyboard Shortcuts", f"<table>{''.join(rows)}</table>")

    def _tint_icons(self) -> None:
        palette = self.palette()
        for row, title in enumerate(self.page_titles):
            self.sidebar.item(row).setIcon(palette_icon(PAGE_INFO[title][0], palette))
        self.shoot.tint_icons(palette)

    # -- pages ---------------------------------------------------------------------
    def go_to_page(self, title: str) -> None:
        """Show the page called ``title``."""
        if title in self.page_titles:
            self.sidebar.setCurrentRow(self.page_titles.index(title))

    def _show_page(self, row: int) -> None:
        if 0 <= row < len(self._pages):
            self.page(row)  # built (and loaded) on its first visit, before it is shown
        self.stack.setCurrentIndex(row)
        self._maybe_mark_seen()

    @overload
    def page(self, which: type[P]) -> P: ...

    @overload
    def page(self, which: int | str) -> Page: ...

    def page(self, which: int | str | type[Page]) -> Page:
        """Return a page (by sidebar row, title or class), building it first if it was never shown.

        A page built while a library is open loads its data at once; from then on it hears every change.
        """
        title = which if isinstance(which, str) else (self.page_titles[which] if isinstance(which, int)
                                                       else which.title)
        row = self.page_titles.index(title)
        built = self._pages[row]
        if built is None:
            built = self._builders[row]()
            self._place(row, built)
            _tell_actor(built, self.session.user)
            if self.library is not None:
                built.reload()
        return built

    def built_pages(self) -> list[Page]:
        """Return the pages built so far, in sidebar order."""
        return [page for page in self._pages if page is not None]

    def is_built(self, title: str) -> bool:
        """Return whether the page called ``title`` was built (shown once, or asked for with :meth:`page`)."""
        return self._pages[self.page_titles.index(title)] is not None

    def _place(self, row: int, page: Page) -> None:
        """Put a newly built page in its row of the stack, in place of its placeholder."""
        placeholder = self.stack.widget(row)
        assert placeholder is not None  # every row of the stack holds a placeholder until its page is built
        self._pages[row] = page
        self.stack.insertWidget(row, page)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        page.badge_changed.connect(lambda text, row=row: self._set_badge(row, page=text))

    # Each page's construction: the module is imported here, the first time the page is needed.
    def _build_products(self) -> Page:
        from ui.pages.products import ProductsPage

        page = ProductsPage(self.db, thumbs=self.thumbs)
        page.undo_stack = self.undo_stack  # set edits are undoable (Edit ▸ Undo)
        return page

    def _build_customers(self) -> Page:
        from ui.pages.customers import CustomersPage

        return CustomersPage(self.db, self.session)

    def _build_match(self) -> Page:
        from ui.pages.match import MatchPage

        return MatchPage(self.db, self.session)

    def _build_compose(self) -> Page:
        from ui.pages.compose import ComposePage

        page = ComposePage(self.db, self.session)
        page.use_undo_stack(self.undo_stack)  # every card step is undoable from Edit ▸ Undo
        return page

    def _build_approvals(self) -> Page:
        from ui.pages.approvals import ApprovalsPage

        return ApprovalsPage(self.db, self.session)

    def _build_outbox(self) -> Page:
        from ui.pages.outbox import OutboxPage

        # The Outbox page owns the network thread; the delivery settings sign in to X on it too.
        return OutboxPage(self.db, self.session)

    def _build_conversations(self) -> Page:
        from ui.pages.conversations import ConversationsPage

        return ConversationsPage(self.db, self.session)

    def _build_tasks(self) -> Page:
        from ui.pages.tasks import TasksPage

        return TasksPage(self.db, self.session)

    def _build_reports(self) -> Page:
        from ui.pages.reports import ReportsPage

        return ReportsPage(self.db, self.session)

    def _build_settings(self) -> Page:
        from ui.pages.delivery_settings import DeliverySettings
        from ui.pages.sending_settings import SendingSettings
        from ui.pages.settings import SettingsPage
        from ui.pages.staff_settings import StaffSettings
        from ui.widgets.notification_settings import NotificationSettings

        return SettingsPage(self.db, delivery=DeliverySettings(self.db, self.outbox.net, self.session),
                            sending=SendingSettings(self.db, self.session), staff=StaffSettings(self.db, self.session),
                            notifications=NotificationSettings(self.db, self.session))

    @property
    def products(self) -> ProductsPage:
        """The Products & Brands page (built if it was not yet)."""
        return cast("ProductsPage", self.page("Products & Brands"))  # by title: its module loads when it is built

    @property
    def compose(self) -> ComposePage:
        """The Compose Card page (built if it was not yet)."""
        return cast("ComposePage", self.page("Compose Card"))  # by title: its module loads when it is built

    @property
    def outbox(self) -> OutboxPage:
        """The Outbox page (built if it was not yet: the delivery settings use its network thread)."""
        return cast("OutboxPage", self.page("Outbox"))  # by title: its module loads when it is built

    def refresh(self) -> None:
        """Load the page shown, and the counts, again (View ▸ Refresh, F5)."""
        current = self.stack.currentWidget()
        if self.library is None or not isinstance(current, Page):
            return
        self.db.poll_now()  # what other windows or the command line committed comes in too
        current.reload()
        self._refresh_counts()

    # -- badges and notices ----------------------------------------------------------
    def _set_badge(self, row: int, page: str | None = None, notices: str | None = None) -> None:
        if page is not None:
            self._page_badges[row] = page
        if notices is not None:
            self._notice_badges[row] = notices
        self.sidebar.set_badge(row, " · ".join(t for t in (self._page_badges[row], self._notice_badges[row]) if t))

    def _show_notices(self, text: str) -> None:
        self._set_badge(self.page_titles.index("Outbox"), notices=text)
        self._maybe_mark_seen()

    def _maybe_mark_seen(self) -> None:
        """The person looks at the Outbox (or, as a manager, at Approvals): what they were told of is seen."""
        row, user = self.stack.currentIndex(), self.session.user
        title = self.page_titles[row] if 0 <= row < len(self.page_titles) else ""
        if title == "Outbox" or (user is not None and title == "Approvals"
                                 and roles.allowed(user.role, "outbox.approve")):
            self.notices.mark_seen()

    def _refresh_badges(self, changes: Changes | None = None) -> None:
        """Count what waits on the pages not built yet (on the DB thread); a built page counts its own."""
        if self.library is None:
            return
        user = self.session.user
        for title, badge in BADGES.items():
            if self.is_built(title) or (changes is not None and not any(getattr(changes, n) for n in badge.watches)):
                continue
            row = self.page_titles.index(title)

            def counted(text: str, row: int = row) -> None:
                if self._pages[row] is None:  # a page built meanwhile counts its own
                    self._set_badge(row, page=text)

            self.db.run(lambda store, title=title: badge_for(store, title, user), on_done=counted)

    # -- library -------------------------------------------------------------------
    def open_library(self, root: Path) -> None:
        """Open the library at ``root`` (on the DB thread) and show it."""
        self.db.open(root, on_failure=self.show_error)

    def open_library_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a Lookbook library")
        if folder:
            self.open_library(Path(folder))

    def open_demo_library(self) -> None:
        """Open the demo library, building it first if needed (with progress)."""
        from ui.app import open_demo  # the builder dialog lives with the app's start-up

        open_demo(self, default_demo_path())

    def new_library(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose an empty folder for the new library")
        if not folder:
            return

        def make(_store: Store | None = None) -> Path:
            store = create_store(folder)
            store.close()
            return Path(folder)

        self.db.submit(make, on_done=self.open_library, on_failure=self.show_error)

    def _on_library_opened(self, library: Library) -> None:
        self.library = library
        self.library_label.setText(f"Library: {library.name}  —  {library.root}")
        self.setWindowTitle(f"{library.name} — Lookbook Studio")
        QSettings().setValue("main/last_library", str(library.root))
        self.undo_stack.clear()  # edits of another library cannot be undone here
        # Accounts belong to a library: whoever worked in the last one must sign in to this one.
        self.session.sign_out()
        if self.ask_who_is_working:
            dialog = self.sign_in()
            if dialog is not None:
                # A new library has no accounts: set it up (first admin, store details) instead of signing in.
                dialog.no_accounts.connect(self._first_run_instead)
        # The page in view loads first, then what changes the first frame (the guide, a warning), then the counts:
        # the window is usable then. The other pages built so far, the badges of those not built yet and the
        # expiry of stale approvals follow on the DB thread. A page built later loads when it is built.
        current = self.stack.currentWidget()
        if isinstance(current, Page):
            current.reload()
        self.db.run(lambda store: bool(store.get_setting(DEMO_SETTING, False)), on_done=self._maybe_show_guide)
        self.db.run(lambda store: (list(store.warnings), store.damaged is not None),
                    on_done=self._show_open_warnings)
        self._refresh_counts()
        for page in self.built_pages():
            if page is not current:
                page.reload()
        self._refresh_badges()
        if not self.is_built("Approvals"):  # a built Approvals page expires them itself, and says so
            from lookbook.outbox.messages import expire_stale

            # Stale approvals expire when a library opens (the sender loop expires them too), never silently:
            # each keeps its reason, shown in the audit trail and the outbox list.
            self.db.run(expire_stale)

    def _show_open_warnings(self, found: tuple[list[str], bool]) -> None:
        """Say at once that the library is damaged or its audit log was tampered with."""
        warnings, damaged = found
        self.library_damaged = damaged
        if warnings:
            hint = "\n\nUse File ▸ Restore… to put back a backup." if damaged else ""
            QMessageBox.warning(self, "This library needs attention", "\n\n".join(warnings) + hint)

    def import_catalog_dialog(self) -> None:
        """Choose a catalog file and check it (a dry run) before importing it."""
        if self.library is None:
            self.show_error(LookbookError("No library is open. Open one with File ▸ Open Library… first."))
            return
        name, _filter = QFileDialog.getOpenFileName(self, "Import a catalog file", "",
                                                    "Catalog files (*.csv *.xlsx *.txt);;All files (*)")
        if name:
            self.import_catalog(Path(name))

    def import_catalog(self, path: Path) -> CatalogImportDialog:
        """Open the catalog import on ``path``: a dry run first, then the import on request."""
        from ui.catalog_import import CatalogImportDialog  # the catalog readers load with the first import

        dialog = CatalogImportDialog(self.db, self.session.username, path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def restore_dialog(self) -> None:
        """Offer the library's backups; restore the chosen one on the DB thread and reopen the library."""
        library = self.db.library  # set even when the library was too damaged to open
        if library is None:
            self.show_error(LookbookError("No library is open. Open one with File ▸ Open Library… first."))
            return
        damaged = self.library_damaged or self.library != library
        from lookbook.store import backups
        from ui.restore_dialog import RestoreDialog

        dialog = RestoreDialog(backups.list_backups(library), damaged, self)
        if dialog.exec() != RestoreDialog.DialogCode.Accepted or dialog.chosen() is None:
            return
        chosen = dialog.chosen()
        assert chosen is not None
        self.db.restore(chosen.name, on_done=self._restored, on_failure=self.show_error)

    def _restored(self, report: RestoreReport) -> None:
        QMessageBox.information(self, "Backup restored", "\n\n".join(report.lines()))

    def _maybe_show_guide(self, is_demo: bool) -> None:
        demo = is_demo or (self.library is not None and self.library.root == default_demo_path())
        self.guide.setVisible(demo and not FirstRunGuide.was_dismissed())

    def show_guide(self) -> None:
        """Show the first-run guide again."""
        self.guide.reopen()

    def _on_library_changed(self, changes: Changes) -> None:
        for page in self.built_pages():
            page.on_library_changed(changes)
        self._refresh_badges(changes)
        self._refresh_counts()

    def _refresh_counts(self) -> None:
        self.db.run(lambda store: store.counts(), on_done=self._show_counts)

    def _show_counts(self, counts: dict[str, int]) -> None:
        self.counts_label.setText(
            f"{plural(counts['photos'], 'photo')} · {plural(counts['products'], 'product')} in "
            f"{plural(counts['brands'], 'brand')} · {plural(counts['customers'], 'customer')} · "
            f"{plural(counts['messages'], 'message')}")
        self.counts_shown.emit(counts)

    # -- who is working -----------------------------------------------------------
    #: Ask who is working each time a library opens (tests that drive the window turn it off).
    ask_who_is_working = True

    def sign_in(self) -> SignInDialog | None:
        """Ask who is working (a window-modal dialog; the password is checked on the DB thread)."""
        if self.library is None:
            return None
        dialog = SignInDialog(self.db, self.session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _first_run_instead(self) -> None:
        sender = self.sender()
        if isinstance(sender, SignInDialog):
            sender.reject()
        self.first_run_setup()

    def first_run_setup(self) -> FirstRunDialog | None:
        """Set a new library up: its first admin and the store's details (a window-modal dialog)."""
        if self.library is None:
            return None
        dialog = FirstRunDialog(self.db, self.session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _set_actor(self, user: User | None) -> None:
        # Edits on pages that keep an actor are audited under the person signed in (else the OS account).
        actor = user.username if user is not None else getpass.getuser()
        for page in self.built_pages():
            if _keeps_actor(page):  # pages with a session read it themselves
                page.actor = actor

    def _show_user(self, user: User | None) -> None:
        self.user_label.setText(f"Signed in: {user.display_name} ({user.role})" if user is not None
                                else "Not signed in")

    # -- drag and drop -------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.library is not None and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        self.go_to_page(self.shoot.title)
        self.shoot.import_paths(paths)

    # -- errors --------------------------------------------------------------------
    def show_error(self, exc: BaseException) -> None:
        """Show a failed operation as a readable dialog (never a traceback)."""
        if isinstance(exc, LookbookError):
            QMessageBox.warning(self, "Lookbook Studio", str(exc))
        else:
            QMessageBox.critical(self, "Lookbook Studio",
                                 f"Something went wrong: {type(exc).__name__}: {exc}\n\n"
                                 "Nothing already saved was lost. Try again, and if it happens again, "
                                 "tell your administrator what you were doing.")

    def open_folder(self, path: Path) -> None:
        """Show a folder in the system's file manager."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # -- the sidebar's rail -------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit_sidebar(event.size().width())
        self.guide.set_compact(event.size().height() < GUIDE_SHORT_BELOW)
        super().resizeEvent(event)

    def _fit_sidebar(self, width: int) -> None:
        """Show the sidebar as an icon rail in a window narrower than RAIL_BELOW, with its titles otherwise."""
        rail = width < RAIL_BELOW
        if rail == self.sidebar.rail:
            return
        if rail:
            if self.sidebar.width() > RAIL_WIDTH * 2:  # a width the person chose (or the default) comes back
                self._titled_width = self.sidebar.width()
            self.sidebar.set_rail(True)
            width = RAIL_WIDTH
        else:
            self.sidebar.set_rail(False)
            width = self._titled_width
        # The splitter does not hand the freed (or wanted) width on by itself: the page takes the rest.
        self.splitter.setSizes([width, max(sum(self.splitter.sizes()) - width, 1)])

    # -- window state --------------------------------------------------------------
    def _restore_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(self._first_size())
        state = settings.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = settings.value("main/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        titled = settings.value("main/sidebar_width", 0, type=int)
        if isinstance(titled, int) and titled > RAIL_WIDTH * 2:
            self._titled_width = titled
        # A splitter's restored sizes ignore the sidebar's fixed width: a rail keeps its own, and a sidebar saved
        # as a rail in a window that is now wide shows its titles again.
        width = RAIL_WIDTH if self.sidebar.rail else self._titled_width
        if self.sidebar.rail or self.splitter.sizes()[0] <= RAIL_WIDTH * 2:
            self.splitter.setSizes([width, max(sum(self.splitter.sizes()) - width, 1)])
        page = settings.value("main/page", 0, type=int)
        if isinstance(page, int) and 0 <= page < len(self.page_titles):
            self.sidebar.setCurrentRow(page)
        self.shoot.restore_state(settings)

    def _first_size(self) -> QSize:
        """Return the size of a first launch: 1280×800, or the screen's free area where that is smaller."""
        wanted = QSize(1280, 800)
        screen = self.screen()
        if screen is None:
            return wanted
        # A 1366×768 laptop leaves about 1366×730 beside the panels: the status bar must stay on screen.
        free = screen.availableGeometry().size() - QSize(16, 48)
        return wanted.boundedTo(free).expandedTo(self.minimumSize())

    def save_state(self) -> None:
        """Remember geometry, splitters and the page shown."""
        settings = QSettings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())
        settings.setValue("main/splitter", self.splitter.saveState())
        settings.setValue("main/sidebar_width", self._titled_width if self.sidebar.rail else self.sidebar.width())
        settings.setValue("main/page", self.sidebar.currentRow())
        self.shoot.save_state(settings)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.notifier.cleanup()
        for page in self.built_pages():
            page.cleanup()
        super().closeEvent(event)


def window_icon() -> QIcon:
    """Return the app icon from resources."""
    return QIcon(str(Path(__file__).resolve().parent.parent / "resources" / "icons" / "lookbook.svg"))
