"""The `coach` command: train, shell, serve, validate, test, report, bench, actions, plan, and the
store's export, delete and purge."""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any, get_args

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from bot.core import messages
from bot.core.config import ROOT, load_config
from bot.core.errors import CoachError

app = typer.Typer(help="Hypertrophy Coach: a rule-based hypertrophy-training chatbot.",
                  no_args_is_help=True, add_completion=False)
console = Console()
err = Console(stderr=True)


@app.callback()
def _project(project: Path | None = typer.Option(
        None, "--project", help="the project directory (config.yml, bot/, knowledge/, actions/); "
        "default: the current directory when it holds config.yml. Give it before the command.")) -> None:
    """Hypertrophy Coach: a rule-based hypertrophy-training chatbot."""
    # `coach --project DIR` is taken by bot.launcher before this module loads; a --project
    # that reaches here came too late to change where the data is read from
    if project is not None and project.resolve() != ROOT:
        _fail(f"--project {project}: run it as `coach --project {project} COMMAND` (or set "
              "COACH_PROJECT); `python -m bot.cli` cannot change the project")


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def _progress() -> tuple[Progress, TaskID]:
    progress = Progress(TextColumn("training NLU"), BarColumn(),
                        TextColumn("epoch {task.completed}/{task.total}"),
                        TimeElapsedColumn(), console=err, transient=False)
    task = progress.add_task("train", total=None)
    return progress, task


def _engine(store_kind: str | None = None):  # noqa: ANN202 (Engine import is heavy; typed in bot.app)
    from bot.app import build_engine
    from bot.stores import make_store

    config = load_config()
    store = make_store(store_kind, config.data_dir) if store_kind else None
    progress, task = _progress()
    with progress:
        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)
        engine = build_engine(config, store=store, progress=report)
    return engine


@app.command()
def train(force: bool = typer.Option(False, help="retrain even if a cached model matches")) -> None:
    """Train the NLU model (cached by a fingerprint of config, data and knowledge)."""
    from bot.nlu import model as nlu_model

    config = load_config()
    fp = nlu_model.fingerprint(config)
    path = nlu_model.model_dir(config, fp)
    if (path / "meta.json").exists() and not force:
        console.print(f"model {fp} is up to date ({path})")
        return
    progress, task = _progress()
    with progress:
        nlp = nlu_model.train(config, progress=lambda d, t: progress.update(task, completed=d, total=t))
    nlu_model.save(nlp, path)
    console.print(f"trained model {fp} -> {path}")


@app.command()
def validate(nlu: list[Path] = typer.Option([], "--nlu", help="also check this NLU file (e.g. an "
                                            "export of `coach report --export-nlu`); repeatable")) -> None:
    """Check config, knowledge base, NLU data, domain, rules and test stories; errors name file and
    field. Unused responses and intents handled by policies by design are warnings."""
    from bot.validate import check

    found = check(nlu)
    for w in found.warnings:
        err.print(f"[yellow]![/yellow] {w}", highlight=False, soft_wrap=True)
    if found.errors:
        for p in found.errors:
            err.print(f"[red]✗[/red] {p}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    checked = ["config", "knowledge base", "NLU data", "domain", "rules", "stories", *map(str, nlu)]
    console.print(f"[green]✓[/green] {', '.join(checked[:-1])} and {checked[-1]} are valid",
                  highlight=False, soft_wrap=True)


@app.command()
def shell() -> None:
    """Chat in the terminal (buttons are numbered; type a number to pick one)."""
    from bot.channels.shell import run_shell

    run_shell(_engine(store_kind="memory"))


@app.command()
def serve(host: str | None = typer.Option(None, help="default: config.yml server.host"),
          port: int | None = typer.Option(None, help="default: config.yml server.port"),
          workers: int = typer.Option(1, min=1, help="uvicorn worker processes"),
          insecure: bool = typer.Option(False, "--insecure", help="serve a non-loopback host "
                                        "without COACH_AUTH_TOKEN (the tracker and delete routes "
                                        "then stay closed)")) -> None:
    """Serve the widget and the HTTP API (training the model first if needed)."""
    import uvicorn

    from bot.channels.guards import is_loopback_host
    from bot.channels.observability import configure_logging

    config = load_config()
    host = host or config.server.host
    port = port or config.server.port
    if not is_loopback_host(host) and not config.server.auth_token:
        if not insecure:
            _fail(f"--host {host} is reachable from other machines: set COACH_AUTH_TOKEN (or "
                  "server.auth_token) to guard the tracker, delete and metrics routes, or pass "
                  "--insecure to serve without them")
        err.print(f"[yellow]warning:[/yellow] serving {host} without a token (--insecure): the "
                  "tracker and delete routes are closed and /metrics is open")
    config.server.host = host
    os.environ["COACH_HOST"] = host  # the workers read their config again: the same host
    configure_logging()
    if workers > 1:
        if config.stores.tracker == "memory":
            _fail("the memory store cannot be shared by several workers: use sqlite or redis://")
        # every worker's metrics in one /metrics (prometheus-client's multiprocess mode)
        import shutil

        metrics_dir = config.data_dir / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        # train once before the workers start, in a child process so that this supervisor
        # process does not hold a model of its own
        import subprocess

        subprocess.run([sys.executable, "-m", "bot.cli", "train"], check=True)
        uvicorn.run("bot.channels.server:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level="warning")
        return
    from bot.channels.server import create_app

    engine = _engine()
    console.print(f"Hypertrophy Coach on http://{host}:{port} (store: {engine.store.kind})")
    uvicorn.run(create_app(engine, config), host=host, port=port, log_level="warning")


def _store():  # noqa: ANN202 (TrackerStore; bot.stores is imported lazily to keep start-up fast)
    from bot.stores import store_from_config

    config = load_config()
    return store_from_config(config.stores, config.data_dir)


@app.command()
def export(sender: str = typer.Argument(..., help="the conversation's sender id")) -> None:
    """Print a conversation's tracker as JSON (as GET /conversations/{sender}/tracker does)."""
    store = _store()
    tracker = store.load(sender, full=True)
    store.close()
    if tracker is None:
        _fail(f"no conversation {sender!r} in the {store.kind} store")
        return
    typer.echo(json.dumps(tracker.public(), indent=2, ensure_ascii=False))


@app.command()
def delete(sender: str = typer.Argument(..., help="the conversation's sender id")) -> None:
    """Erase a conversation from the store: its state and every event."""
    store = _store()
    with store.lock(sender):
        found = store.delete(sender)
    store.close()
    if not found:
        _fail(f"no conversation {sender!r} in the {store.kind} store")
    console.print(f"erased conversation {sender!r} from the {store.kind} store", highlight=False)


@app.command()
def purge() -> None:
    """Erase the conversations not updated for longer than stores.retention_days (the server
    also does this at start-up and hourly; Redis expires them itself)."""
    config = load_config()
    if not config.stores.retention_days:
        _fail("stores.retention_days is not set in config.yml: conversations are kept")
    store = _store()
    gone = store.purge()
    store.close()
    note = " (Redis expires conversations itself; those without an expiry were given one)" \
        if store.kind == "redis" else ""
    console.print(f"erased {gone} conversations not updated for {config.stores.retention_days:g} "
                  f"days{note}", highlight=False)


class TestSuite(StrEnum):
    nlu = "nlu"
    conversations = "conversations"
    stories = "stories"
    all = "all"


@app.command("test")
def test_cmd(suite: TestSuite = typer.Argument(TestSuite.all),
             data: Path = typer.Option(ROOT / "tests" / "data" / "nlu_test.yml", help="held-out NLU file"),
             conversations: Path = typer.Option(ROOT / "tests" / "conversations",
                                                help="folder of conversation YAML files"),
             stories: Path = typer.Option(ROOT / "bot" / "data" / "stories.yml",
                                          help="test stories (Rasa 3.1 stories)"),
             out: Path = typer.Option(ROOT / ".coach" / "reports", help="where reports go"),
             junit: Path | None = typer.Option(None, help="also write the results as JUnit XML "
                                               "(one testcase per held-out example, conversation "
                                               "and story)")) -> None:
    """NLU report on the held-out file, the conversation tests and/or the test stories."""
    from bot.testing import Suite, conversation_case

    ok = True
    suites: list[Suite] = []
    engine = _engine(store_kind="memory")

    def show(kind: str, results: list) -> bool:  # noqa: ANN001 (ConversationResult, imported lazily)
        failed = [r for r in results if not r.passed]
        for result in failed:
            console.print(f"[red]FAIL[/red] {result.file}: {result.name}")
            for turn in result.turns:
                if turn.failures:
                    console.print(f"   user: {turn.user}\n   reply: {turn.reply[:300]!r}\n"
                                  f"   {'; '.join(turn.failures)}", highlight=False)
        console.print(f"{kind}: {len(results) - len(failed)} passed, {len(failed)} failed")
        suites.append(Suite(name=kind, cases=[conversation_case(r, kind) for r in results]))
        return not failed

    if suite in (TestSuite.nlu, TestSuite.all):
        from bot.nlu.data import load_nlu
        from bot.nlu.evaluate import evaluate, summary_lines, write_report

        test_data = load_nlu(data)
        report, pairs = evaluate(engine.interpreter, test_data)
        for line in summary_lines(report):
            console.print(line, highlight=False)
        json_path, png_path = write_report(report, out, test_data.intents, pairs)
        console.print(f"\nreport: {json_path}\nconfusion matrix: {png_path}")
        if junit:
            from bot.testing import nlu_cases

            suites.append(Suite(name="nlu", cases=nlu_cases(engine.interpreter, test_data)))
    if suite in (TestSuite.conversations, TestSuite.all):
        from bot.testing import conversation_files, load_conversations, run_conversation

        results = [run_conversation(engine, conv, path.name)
                   for path in conversation_files(conversations) for conv in load_conversations(path)]
        ok = show("conversations", results) and ok
    if suite in (TestSuite.stories, TestSuite.all):
        from bot.testing import load_stories, run_story

        ok = show("stories", [run_story(engine, story) for story in load_stories(stories)]) and ok
    if junit:
        from bot.testing import write_junit

        path = write_junit(suites, junit)
        console.print(f"JUnit XML: {path} ({sum(len(s.cases) for s in suites)} tests, "
                      f"{sum(s.failures for s in suites)} failures)")
    if not ok:
        raise typer.Exit(1)


@app.command()
def report(since: str | None = typer.Option(None, help="only messages from this day on (YYYY-MM-DD, UTC)"),
           out: Path | None = typer.Option(None, help="folder for report.html and report.json "
                                           "(default: <data dir>/reports)"),
           export_nlu: Path | None = typer.Option(None, "--export-nlu",
                                                  help="write the grouped misses as a Rasa 3.1 NLU "
                                                  "file for review"),
           low_confidence: float = typer.Option(0.5, min=0, max=1, help="a top intent under this "
                                                "is low confidence"),
           near_tie: float = typer.Option(0.15, min=0, max=1, help="top two closer than this is a "
                                          "near tie"),
           similarity: float = typer.Option(70.0, min=0, max=100, help="how alike (0-100) messages "
                                            "of one group are"),
           groups: int = typer.Option(20, min=1, help="groups shown in full")) -> None:
    """What users asked and where the bot failed, from the tracker store: an HTML report and a
    summary here."""
    from datetime import date

    from bot.report import export_nlu as write_nlu
    from bot.report import report_from_store, summary_lines, write_html

    config = load_config()
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError:
        _fail(f"--since: {since!r} is not a date (YYYY-MM-DD)")
        return
    usage = report_from_store(config, day, low_confidence=low_confidence, near_tie=near_tie,
                              threshold=similarity)
    for line in summary_lines(usage, groups=min(groups, 10)):
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    html, data = write_html(usage, out or config.data_dir / "reports", groups)
    console.print(f"\nreport: {html}\ndata: {data}", highlight=False)
    if export_nlu:
        n = write_nlu(usage, export_nlu)
        console.print(f"NLU export: {export_nlu} ({n} examples to review; check it with "
                      f"`coach validate --nlu {export_nlu}`)", highlight=False)


@app.command()
def bench(messages: int = typer.Option(2000, help="messages for the in-process figures"),
          http: bool = typer.Option(True, help="also measure over HTTP through nginx"),
          senders: list[int] = typer.Option([8, 64], help="concurrent senders of a load level "
                                            "(repeat for several levels)"),
          single: int = typer.Option(500, help="messages of the one-sender latency run"),
          load_messages: int = typer.Option(1280, help="messages per load level, shared out "
                                            "among its senders"),
          layout: list[str] = typer.Option(["sqlite-1", "redis-2"], help="STORE-WORKERS behind "
                                           "nginx: sqlite-1, redis-2, redis-3 ... (repeatable)")) -> None:
    """Measure parse and engine latency in-process, then over HTTP through nginx for one worker
    on SQLite and two on Redis: latency, throughput at 8 and 64 senders, cold start, memory."""
    from bot.bench import run_bench, summary_table

    layouts: list[tuple[str, int]] = []
    for item in layout:
        store, _, count = item.partition("-")
        if store not in ("sqlite", "redis") or not count.isdigit() or int(count) < 1:
            _fail(f"--layout {item!r}: STORE-WORKERS such as sqlite-1 or redis-2")
        layouts.append((store, int(count)))
    report = run_bench(messages=messages, http=http, senders=senders, single=single,
                       load_messages=load_messages, layouts=layouts, console=err)
    console.print_json(json.dumps(report))
    if http:  # the table for people on stderr, so stdout stays one JSON document
        err.print(summary_table(report))
        err.print(report["load"]["note"], highlight=False)


@app.command()
def actions(port: int = typer.Option(5055, help="port of the action server")) -> None:
    """Run the standalone rasa-sdk action server with the `actions` package."""
    env = {**os.environ, "SANIC_HOST": os.environ.get("SANIC_HOST", "127.0.0.1")}
    os.chdir(ROOT)
    from bot.dialogue.registry import ACTIONS_PACKAGE

    os.execvpe(sys.executable, [sys.executable, "-m", "rasa_sdk", "--actions", ACTIONS_PACKAGE,
                                "--port", str(port)], env)


# the choices are the planner's answers (bot/core/messages.py), not a copy of them
Experience: Any = StrEnum("Experience", list(get_args(messages.Experience)))  # type: ignore[misc]
Equipment: Any = StrEnum("Equipment", list(get_args(messages.Equipment)))  # type: ignore[misc]
Goal: Any = StrEnum("Goal", list(get_args(messages.Goal)))  # type: ignore[misc]


@app.command()
def plan(days: int = typer.Option(3, min=2, max=6), experience: Experience = Experience("beginner"),
         equipment: Equipment = Equipment("dumbbells"), goal: Goal = Goal("size"),
         minutes: int | None = typer.Option(None, min=15, max=180),
         as_json: bool = typer.Option(False, "--json", help="print the plan as JSON")) -> None:
    """Print the plan the program builder makes, without a conversation."""
    from actions.common import knowledge
    from actions.program import plan_message
    from bot.core.domain import load_domain
    from bot.responses.renderer import Renderer
    from knowledge.planner import build_plan

    kb = knowledge()
    built = build_plan(kb, goal=goal.value, experience=experience.value, days=days,
                       equipment=equipment.value, minutes=minutes)
    if as_json:
        console.print_json(built.model_dump_json())
        return
    typer.echo(Renderer(load_domain()).render(plan_message(kb, built), "cli", 0).text)


def main() -> None:
    """Entry point that turns domain errors into a message and exit code 1."""
    try:
        app()
    except CoachError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
