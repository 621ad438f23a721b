"""MkDocs hook: the configuration and HTTP API reference pages, generated at build time.

Both pages are made from the code they describe, so they cannot go stale: every field of
``service.config.Settings`` (described by the comment above it in service/config.py), and every
operation of the OpenAPI document of an app created without starting it (no database, no chain,
no network). A setting with no description at all is a warning, which ``mkdocs build --strict``
turns into a failed build.
"""

from __future__ import annotations

import ast
import io
import logging
import re
import tempfile
import tokenize
import types
from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from pydantic import AwareDatetime, SecretStr
from pydantic.fields import FieldInfo

log = logging.getLogger("mkdocs.hooks.reference")

CONFIG_PAGE = "configuration.md"
API_PAGE = "api.md"
CLI_PAGE = "cli.md"
ENV_PREFIX = "LOTPROOF_"

# --- configuration reference ------------------------------------------------------------


def _comments_before_fields(source: str) -> dict[str, str]:
    """field -> the comment block right above it in ``class Settings`` (``# --- x ---``
    dividers left out)."""
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    tree = ast.parse(source)
    settings = next(
        node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Settings"
    )
    found: dict[str, str] = {}
    previous_end = settings.lineno
    for node in settings.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            block: list[str] = []
            for line in range(node.lineno - 1, previous_end, -1):
                if line not in comments:
                    break
                if not comments[line].startswith("---"):
                    block.insert(0, comments[line])
            found[node.target.id] = " ".join(block)
        previous_end = node.end_lineno or node.lineno
    return found


def _covered_by_comment(name: str, owner: str, comment: str) -> bool:
    """Whether the comment above ``owner`` also describes ``name``, a field declared after it
    without a comment of its own: the comment names it (or its first two words, as in
    ``quality_alert_...``), or it shares its first word with ``owner`` (``files_s3_...``)."""
    words = name.split("_")
    return name in comment or "_".join(words[:2]) in comment or words[0] == owner.split("_")[0]


def _type_name(annotation: Any) -> str:
    if get_origin(annotation) in (Union, types.UnionType):
        names = [_type_name(a) for a in get_args(annotation) if a is not type(None)]
        return " or ".join(names)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " or ".join(f"`{member.value}`" for member in annotation)
    if annotation is SecretStr:
        return "secret"
    if annotation is AwareDatetime or (
        isinstance(annotation, type) and issubclass(annotation, datetime)
    ):
        return "date-time with offset"
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return "path"
    names = {bool: "boolean", int: "integer", float: "number", str: "string"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _bounds(info: FieldInfo) -> str:
    words = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    parts = []
    for item in info.metadata:
        for attr, symbol in words.items():
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(
                    f"{symbol} {value:g}" if isinstance(value, float) else f"{symbol} {value}"
                )
    return ", ".join(parts)


def _default(info: FieldInfo, repo_root: Path) -> str:
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Path):
        # Paths inside the repository are shown relative to it; system paths as they are.
        value = value.relative_to(repo_root) if value.is_relative_to(repo_root) else value
        return f"`{value.as_posix()}`"
    if isinstance(value, datetime):
        return f"`{value.isoformat()}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value == "":
        return "empty"
    return f"`{value}`"


def field_descriptions() -> dict[str, str]:
    """Every Settings field -> its description, in declaration order ("" if it has none)."""
    from service import config

    above = _comments_before_fields(Path(config.__file__).read_text(encoding="utf-8"))
    described: dict[str, str] = {}
    owner = ""  # the last field with a comment of its own
    for name, info in config.Settings.model_fields.items():
        own = info.description or above.get(name, "")
        if own:
            text, owner = own, name
        elif owner and _covered_by_comment(name, owner, described[owner]):
            text = f"See `{ENV_PREFIX}{owner.upper()}` above."
        else:
            text, owner = "", ""
        described[name] = text
    return described


def configuration_page() -> str:
    from service import config

    lines = [
        "# Configuration reference",
        "",
        "Every setting of `service.config.Settings`, the only code that reads the environment.",
        f"Each is read from the environment variable `{ENV_PREFIX}<NAME>` (case-insensitive);",
        "booleans take `true`/`false`, secrets are never logged. This page is generated from the",
        "code when the documentation is built: the description is the comment above the field in",
        "`service/config.py`.",
        "",
        "For how to set them up in production, see [Operations](operations.md).",
    ]
    names = list(config.Settings.model_fields)
    for name, text in field_descriptions().items():
        info = config.Settings.model_fields[name]
        if not text:
            log.warning(
                "setting %s has no description: add a comment above it in service/config.py",
                name,
            )
        kind = _type_name(info.annotation)
        bounds = _bounds(info)
        if bounds:
            kind += f" ({bounds})"
        default = _default(info, config.REPO_ROOT)
        lines += [
            "",
            f"## `{ENV_PREFIX}{name.upper()}`",
            "",
            f"{kind}; default {default}.",
            "",
            _as_variables(text, names),
        ]
    return "\n".join(lines) + "\n"


def _as_variables(text: str, names: list[str]) -> str:
    """Field names in a comment (``anchor_max_fee_gwei``) as the variables a reader sets."""
    for name in (n for n in names if "_" in n):
        text = re.sub(rf"`?\b{name}\b`?", f"`{ENV_PREFIX}{name.upper()}`", text)
    return text


# --- HTTP API reference -----------------------------------------------------------------


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of an app that is created, never started: creating it opens no
    database and reaches no chain (both happen in its lifespan)."""
    from service.app import create_app
    from service.config import Settings

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            env="dev",
            database_url=f"sqlite:///{directory}/unused.db",
            rpc_url="http://127.0.0.1:1",
            run_worker=False,
            docs_enabled=True,
            openapi_enabled=True,
            files_dir=Path(directory) / "files",
        )
        document: dict[str, Any] = create_app(settings).openapi()
    return document


def _first_paragraph(text: str) -> str:
    paragraph = text.strip().split("\n\n")[0]
    return " ".join(paragraph.split()).replace("|", "\\|")


def api_page() -> str:
    doc = openapi_document()
    by_tag: dict[str, list[str]] = {}
    count = 0
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            count += 1
            tag = (op.get("tags") or ["other"])[0]
            auth = "API key" if op.get("security") else "public"
            headers = {p["name"] for p in op.get("parameters", []) if p.get("in") == "header"}
            if "Idempotency-Key" in headers:
                auth += ", idempotent"
            summary = op.get("summary", op.get("operationId", ""))
            about = _first_paragraph(op.get("description", ""))
            row = (
                f"| `{method.upper()}` | `{path}` | {auth} | {summary}"
                + (f": {about}" if about else "")
                + " |"
            )
            by_tag.setdefault(tag, []).append(row)
    info = doc["info"]
    lines = [
        "# HTTP API",
        "",
        f"{info['title']} {info['version']}: {info.get('summary', '')}. All {count} operations",
        "of the service's OpenAPI document, grouped by tag (generated from the code when the",
        "documentation is built).",
        "",
        "A running instance serves the full document at `/openapi.json` and an interactive",
        "explorer at [`/docs`](http://127.0.0.1:8000/docs) (Swagger UI) and `/redoc`, loaded from",
        "the instance itself: on by default in dev mode (`make run`), off in prod unless",
        "`LOTPROOF_DOCS_ENABLED` and `LOTPROOF_OPENAPI_ENABLED` are set",
        "([configuration](configuration.md)).",
        "",
        '- **Auth**: "API key" means `Authorization: Bearer lp_...`, an organisation\'s key;',
        "  what each role may do is in the tutorials and [security](security.md).",
        "- **Errors** are RFC 9457 `application/problem+json`, naming the field at fault.",
        "- **Idempotent** writes take an `Idempotency-Key` header: a retry with the same key",
        "  gets the first answer and writes nothing more.",
    ]
    for tag, rows in by_tag.items():
        lines += [
            "",
            f"## {tag.capitalize()}",
            "",
            "| Method | Path | Auth | What |",
            "|---|---|---|---|",
            *rows,
        ]
    return "\n".join(lines) + "\n"


# --- command line reference ------------------------------------------------------------


def _commands(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
    """(["lotproof", "org", "create"], the click command) of every leaf command, in order."""
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield path, command
        return
    for name, sub in subcommands.items():
        yield from _commands(sub, [*path, name])


def _usage(param: Any) -> str:
    if param.param_type_name == "argument":
        return f"`{param.name.upper()}`"
    names = " / ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    if not param.is_flag:
        names += f" `{param.name.upper()}`"
    return names + (" (repeatable)" if param.multiple else "")


def cli_page() -> str:
    import typer

    from service.cli import app

    root = typer.main.get_command(app)
    lines = [
        "# Command line",
        "",
        "`lotproof` is installed with the package (`.venv/bin/lotproof`; `source",
        ".venv/bin/activate` puts it on your PATH). Two kinds of commands:",
        "",
        "- **On the server** (`serve`, `worker`, `org create`, `chain ...`, `monitor`, `demo`):",
        "  they read the service's settings (`LOTPROOF_DATABASE_URL`, `LOTPROOF_RPC_URL`...,",
        "  see [configuration](configuration.md)) and open the database directly, bringing its",
        "  schema up to date first.",
        "- **In the field** (`product`, `batch`, `event`, `serials`, `qr`, `labels`, `bundle`,",
        "  `inspect`, `transform`, `import`, `sign`, `register-address`): they call a running",
        "  server over HTTP, named by `LOTPROOF_URL`, with the key in `LOTPROOF_API_KEY`; each",
        "  prints one short line, or the server's JSON with `--json`, and exits 1 with the",
        "  server's reason when the call fails. `verify-bundle` needs only a chain node.",
        "",
        "Every command also answers `--help`. This page is generated from the commands",
        "themselves when the documentation is built; the [tutorials](tutorials/index.md) show",
        "them at work.",
    ]
    for path, command in _commands(root, ["lotproof"]):
        if path == ["lotproof"]:
            continue
        about = _first_paragraph(command.help or "")
        lines += ["", f"## {' '.join(path[1:])}", "", about]
        rows = [
            f"| {_usage(p)} | {_param_help(p)} |"
            for p in command.params
            if p.name not in ("install_completion", "show_completion")
        ]
        if rows:
            lines += ["", "| Parameter | |", "|---|---|", *rows]
    return "\n".join(lines) + "\n"


def _param_help(param: Any) -> str:
    text = (getattr(param, "help", None) or "").replace("|", "\\|")
    if param.required:
        return f"{text} Required.".strip()
    default = param.default
    if default not in (None, False, ()) and not callable(default):
        text += f" Default: `{default}`."
    return text.strip()


# --- MkDocs -----------------------------------------------------------------------------


def on_files(files: Files, config: MkDocsConfig) -> Files:
    pages = {CONFIG_PAGE: configuration_page(), API_PAGE: api_page(), CLI_PAGE: cli_page()}
    for uri, content in pages.items():
        files.append(File.generated(config, uri, content=content))
    return files
