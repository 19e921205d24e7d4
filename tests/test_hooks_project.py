"""The project of a working directory: ZIKRA_PROJECT, a .zikra file, the git repository, the folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from zikra_hooks.project import for_directory, from_directory, read_project_file


def make(root: Path, *paths: str, files: dict[str, str] | None = None) -> None:
    for path in paths:
        (root / path).mkdir(parents=True, exist_ok=True)
    for path, text in (files or {}).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


@pytest.mark.parametrize("text,name", [
    ("project = billing\n", "billing"), ("project: billing", "billing"), ("PROJECT=billing", "billing"),
    ("# our memory pool\n\nbilling\n", "billing"), ('project = "billing api"', "billing api"),
    ("# only a comment\n", None), ("", None), ("owner = ann\n", None),
])
def test_a_zikra_file_names_the_project_in_any_of_its_forms(tmp_path, text, name):
    (tmp_path / ".zikra").write_text(text)
    assert read_project_file(tmp_path / ".zikra") == name


def test_the_git_repository_name_is_the_project_from_any_folder_inside_it(tmp_path):
    make(tmp_path, "shop/.git", "shop/src/api/handlers")
    assert for_directory(tmp_path / "shop" / "src" / "api" / "handlers", {}) == "shop"
    assert for_directory(tmp_path / "shop", {}) == "shop"


def test_a_zikra_file_inside_the_repository_wins_and_the_nearest_one_wins(tmp_path):
    make(tmp_path, "mono/.git", "mono/services/billing/src", "mono/services/search",
         files={"mono/.zikra": "project = mono-main", "mono/services/billing/.zikra": "billing"})
    assert for_directory(tmp_path / "mono" / "services" / "billing" / "src", {}) == "billing"
    assert for_directory(tmp_path / "mono" / "services" / "search", {}) == "mono-main"


def test_a_zikra_file_above_the_repository_top_does_not_apply(tmp_path):
    make(tmp_path, "work/shop/.git", files={"work/.zikra": "project = everything"})
    assert for_directory(tmp_path / "work" / "shop", {}) == "shop"


def test_a_worktree_whose_git_is_a_file_counts_as_a_repository(tmp_path):
    make(tmp_path, "shop-feature/src", files={"shop-feature/.git": "gitdir: /elsewhere/.git/worktrees/x\n"})
    assert for_directory(tmp_path / "shop-feature" / "src", {}) == "shop-feature"


def test_outside_any_repository_the_folder_name_is_the_project(tmp_path):
    make(tmp_path, "scratch/notes")
    assert from_directory(tmp_path / "scratch" / "notes") is None
    assert for_directory(tmp_path / "scratch" / "notes", {}) == "notes"
    assert for_directory(Path("/"), {}) == "default"


def test_zikra_project_overrides_everything(tmp_path):
    make(tmp_path, "shop/.git", files={"shop/.zikra": "billing"})
    assert for_directory(tmp_path / "shop", {"ZIKRA_PROJECT": " pinned "}) == "pinned"


def test_the_hooks_and_the_mcp_bridge_agree_wherever_the_bridge_finds_a_project(tmp_path):
    bridge = pytest.importorskip("zikra_bridge.project")
    make(tmp_path, "mono/.git", "mono/services/billing/src", "mono/docs", "shop-feature/src",
         files={"mono/services/billing/.zikra": "project: billing", "shop-feature/.git": "gitdir: x"})
    for folder in ("mono/services/billing/src", "mono/docs", "mono", "shop-feature/src"):
        start = (tmp_path / folder).resolve()
        assert bridge.from_directory(start) == from_directory(start) == for_directory(start, {}), folder
