"""What a new maintainer relies on when finding their way: meetings are written in one module,
and no two modules import each other, even through others. (The layers themselves are
import-linter's contracts in pyproject.toml, checked by `make lint`.)"""

import ast
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("aventuria", "services", "bookings")
WRITER = ROOT / "bookings" / "scheduling" / "meetings.py"
# What changes rows, called on the Meeting model or its querysets.
WRITES = {"create", "update", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}


def product_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imports_meeting(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and any(alias.name == "Meeting" for alias in node.names)
        for node in ast.walk(tree)
    )


def meeting_writes(path: Path) -> list[str]:
    """Calls in a module that write meeting rows: Meeting(...) made by hand,
    Meeting.objects.<write>(...), and, in a module that imports Meeting, a write or save on
    anything named like a meeting or a queryset (a list action's queryset.update(...)), or an
    admin's super().save_model(...), which saves the form's meeting itself. A static net with a
    coarse mesh: the runtime guard in tests/conftest.py catches what slips through it."""
    tree = ast.parse(path.read_text())
    knows_meetings = imports_meeting(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        text = ast.unparse(node.func)
        receiver, _, method = text.rpartition(".")
        made = text == "Meeting"
        through_manager = text.startswith("Meeting.objects") and method in WRITES
        saved = text.endswith(("meeting.save", "meeting.delete"))
        named_like_one = knows_meetings and method in WRITES | {"save", "delete"}
        named_like_one = named_like_one and (
            "meeting" in receiver.lower() or receiver.split(".")[-1] in ("queryset", "qs")
        )
        saves_the_form = knows_meetings and text == "super().save_model"
        if made or through_manager or saved or named_like_one or saves_the_form:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    return found


def test_meeting_rows_are_written_in_one_module_only():
    writes = [write for path in product_modules() for write in meeting_writes(path)]
    elsewhere = [write for write in writes if not write.startswith(str(WRITER.relative_to(ROOT)))]
    assert elsewhere == []
    # The finder finds: the write module itself has each kind of write.
    assert any("Meeting.objects.create" in write for write in writes)
    assert any("meeting.save" in write for write in writes)


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph(*PACKAGES)
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(module):  # Tarjan's strongly connected components
        index[module] = low[module] = counter[0]
        counter[0] += 1
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in graph.modules or ".migrations" in imported:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            # A package and its own __init__ re-exports are one module in all but name.
            if len({m for m in component if not any(o.startswith(m + ".") for o in component)}) > 1:
                cycles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    assert cycles == []


def test_the_finder_sees_the_meeting_writes_that_issue_17_removed(tmp_path, monkeypatch):
    """The finder must catch the writes that made the double booking of issue 17 possible, or
    a new one like them: a list action's queryset.update() on meetings, and an admin saving the
    change form's meeting itself. (It matched only Meeting.objects.* and names ending in
    "meeting.save", so each of these passed unseen.)"""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)  # paths are shown from here
    module = tmp_path / "admin_module.py"
    module.write_text(
        "from django.contrib import admin\n"
        "from bookings.models import Meeting\n"
        "\n"
        "def change_meeting_status(modeladmin, request, queryset, *, status):\n"
        "    queryset.update(status=status)\n"
        "\n"
        "@admin.register(Meeting)\n"
        "class MeetingAdmin(admin.ModelAdmin):\n"
        "    def save_model(self, request, obj, form, change):\n"
        "        super().save_model(request, obj, form, change)\n"
    )
    found = "\n".join(meeting_writes(module))
    assert "queryset.update" in found
    assert "save_model" in found
