"""The layers as a contract (DESIGN.md, Architecture): request → view → policy → service → models, with the
projection between the models and every output. Each rule below is checked over the real import graph of
passport/, including imports written inside functions (a late import is still a dependency).

A rule broken by a new import fails here with the module, the line and the import, so the structure cannot
drift one convenient import at a time.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "passport"

# The web layer: blueprints and what only they use (forms, the page helpers, the app's wiring).
BLUEPRINTS = (
    "passport.me",
    "passport.staff",
    "passport.adviser",
    "passport.admin",
    "passport.auth",
    "passport.public",
    "passport.share",
)
VIEW_LAYER = (*BLUEPRINTS, "passport.web", "passport.passport_pages", "passport.access")
TEMPLATES = ("flask.render_template", "flask.render_template_string", "jinja2")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports: a module, or module.name for `from module import name`
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def imports_of_package() -> list[Import]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):  # every import, at module level or inside a function
            if isinstance(node, ast.Import):
                found += [Import(module, alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(module, path.name == "__init__.py", node.level, node.module)
                found += [Import(module, f"{source}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@dataclass(frozen=True)
class Rule:
    why: str
    importers: tuple[str, ...]
    forbidden: tuple[str, ...]


RULES = (
    Rule(
        "models hold data: they never import views, exports, services, the projection or the policy",
        ("passport.models",),
        (*VIEW_LAYER, "passport.exports", "passport.services", "passport.projection", "passport.policy"),
    ),
    Rule(
        "the policy decides; it renders nothing and imports no view, template, export, service or projection",
        ("passport.policy",),
        (*VIEW_LAYER, *TEMPLATES, "passport.exports", "passport.services", "passport.projection"),
    ),
    Rule(
        "exports turn a projection into a format: they never import a blueprint",
        ("passport.exports",),
        VIEW_LAYER,
    ),
    Rule(
        "the schedule engine is pure rules over dates: no Flask, no models",
        ("passport.schedule",),
        ("flask", "flask_babel", "flask_login", "flask_sqlalchemy", "passport.models", "passport.extensions"),
    ),
    Rule(
        "services are use cases: no blueprint, no request, no template (the renderer, issuer and base URL "
        "are passed in)",
        ("passport.services",),
        (*VIEW_LAYER, "flask.request", *TEMPLATES),
    ),
    Rule(
        "the projection is built from the policy and the models; it uses no service",
        ("passport.projection",),
        ("passport.services",),
    ),
    Rule(
        "the readiness rules are pure: no views, services, templates",
        ("passport.readiness",),
        (*VIEW_LAYER, "passport.services", *TEMPLATES, "flask.request"),
    ),
)


def broken(rule: Rule, imports: list[Import]) -> list[str]:
    return [
        f"{i.module}:{i.line} imports {i.target}"
        for i in imports
        if _within(i.module, rule.importers) and _within(i.target, rule.forbidden)
    ]


@pytest.mark.parametrize("rule", RULES, ids=[r.importers[0] for r in RULES])
def test_the_layers_hold(rule):
    problems = broken(rule, imports_of_package())
    assert not problems, f"{rule.why}:\n" + "\n".join(problems)


def test_the_checker_sees_imports_inside_functions_and_relative_ones():
    """The contract is only as good as the graph it reads: a late import and a relative one both count."""
    imports = imports_of_package()
    assert imports, "no imports found: the checker is looking in the wrong place"
    # passport_pages imports AccessRefused inside a function, to avoid an import cycle.
    assert any(
        i.module == "passport.passport_pages" and i.target == "passport.access.AccessRefused" for i in imports
    )
    fake = [Import("passport.models.passport", "passport.staff.views", 1)]
    assert broken(RULES[0], fake) == ["passport.models.passport:1 imports passport.staff.views"]
    assert _resolve("passport.services.items", False, 1, "audit") == "passport.services.audit"
    assert _resolve("passport.services", True, 1, "audit") == "passport.services.audit"
