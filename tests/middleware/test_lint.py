from __future__ import annotations

from pathlib import Path

import pytest

from middleware.lint import find_slot_tags, lint, main

POLICY = """\
slots:
  hero:
    rules:
      - name: rainy-day
        when: {weather.condition: rain}
        show: hero/rainy.html
  cta:
    rules:
      - {name: welcome, when: {visitor.is_new: true}, show: cta/welcome.html}
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    templates = tmp_path / "templates"
    (templates / "hero").mkdir(parents=True)
    (templates / "cta").mkdir()
    (templates / "hero" / "rainy.html").write_text("<p>Rain gear for {{ name|default('you') }}</p>")
    (templates / "cta" / "welcome.html").write_text("<p>Welcome</p>")
    (templates / "index.html").write_text(
        '<main>\n  <section data-slot="hero">Hi</section>\n'
        "  {% slot 'footer' %}bye{% endslot %}\n</main>\n"
    )
    (tmp_path / "policy.yaml").write_text(POLICY)
    return tmp_path


def test_find_slot_tags_reads_both_forms(site: Path) -> None:
    tags = list(find_slot_tags([site / "templates"]))
    assert [(tag.name, tag.location.line, tag.location.column) for tag in tags] == [
        ("hero", 2, 12), ("footer", 3, 3),
    ]
    assert tags[0].location.source_line == '  <section data-slot="hero">Hi</section>'


def test_lint_warns_about_untagged_and_undefined_slots(site: Path) -> None:
    report = lint(site / "policy.yaml", template_dirs=[site / "templates"])
    assert report.is_ok and report.policy is not None
    messages = [str(warning).splitlines()[0] for warning in report.warnings]
    assert messages == [
        f"{site}/templates/index.html:3:3: warning: slot 'footer' is tagged here but the policy "
        "does not define it; the page keeps its default content",
        f"{site}/policy.yaml:7:3: warning: slot 'cta' is not tagged in any template under "
        f"{site}/templates",
    ]


def test_lint_reports_missing_and_broken_templates(site: Path) -> None:
    (site / "templates" / "cta" / "welcome.html").write_text("{% if %}")
    (site / "policy.yaml").write_text(POLICY.replace("hero/rainy.html", "hero/rainy-day.html"))
    report = lint(site / "policy.yaml", template_dirs=[site / "templates"])
    assert not report.is_ok and report.policy is None
    lines = [str(error).splitlines()[0] for error in report.errors]
    assert lines[0] == f"{site}/policy.yaml:6:15: template 'hero/rainy-day.html' not found"
    assert lines[1].startswith(
        f"{site}/policy.yaml:9:61: template 'cta/welcome.html' does not compile (line 1):"
    )


def test_lint_without_template_dirs_uses_the_starter_templates(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("""\
slots:
  cta: {rules: [{name: a, when: {visitor.is_new: true}, show: cta/only-in-the-site.html}]}
  recommendations: {strategy: trending, show: recommendations/grid.html}
""")
    report = lint(policy)
    # The starter templates have no such template, and no pages to compare slots with.
    assert [error.message for error in report.errors] == [
        "template 'cta/only-in-the-site.html' not found",
    ]
    assert report.warnings == ()


def test_lint_missing_folder_and_file_are_errors(tmp_path: Path) -> None:
    report = lint(tmp_path / "policy.yaml", template_dirs=[tmp_path / "nope"])
    assert [error.message for error in report.errors] == [
        f"template folder {tmp_path}/nope does not exist",
        f"cannot read {tmp_path}/policy.yaml: No such file or directory",
    ]


def test_lint_main_exit_codes_and_output(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(site / "policy.yaml"), "--templates", str(site / "templates")]) == 0
    out = capsys.readouterr().out
    assert "warning: slot 'footer' is tagged here" in out
    assert out.splitlines()[-1] == (
        f"{site}/policy.yaml: 0 errors, 2 warnings (2 slots, 2 rules, 0 segments)"
    )

    (site / "policy.yaml").write_text(POLICY.replace("weather.condition", "weather.conditon"))
    assert main([str(site / "policy.yaml"), "--templates", str(site / "templates")]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == [
        f"{site}/policy.yaml:5:16: unknown attribute 'weather.conditon' "
        "(did you mean 'weather.condition'?)",
        "            when: {weather.conditon: rain}",
        "                   ^",
    ]
    assert out.splitlines()[-1] == f"{site}/policy.yaml: 1 error, 0 warnings"
