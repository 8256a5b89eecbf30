"""Security: local dask clusters need the run's own TLS key and serve nothing over HTTP; user text cannot drive
the terminal; an unreachable scheduler and failed integrations end with a message, not a traceback."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import gutsleep.cli as cli
from gutsleep.apps.guards import clean, literal

runner = CliRunner()
EVIL = "x\x1b]0;owned\x07\x1b[2J\r[bold red]boom[/] [/]\u202eevil"


def invoke(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


def test_clean_and_literal_escape_terminal_controls_and_markup() -> None:
    text = clean(EVIL)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text and "\u202e" not in text
    assert "\\x1b]0;owned\\x07" in text and "\\u202e" in text
    assert clean("two\nlines\tand tab") == "two\nlines\tand tab"
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(literal(EVIL))  # would raise MarkupError on "[/]" unescaped
    assert "[bold red]boom[/]" in console.export_text()


def test_scenario_names_reach_the_console_escaped(tmp_path: Path) -> None:
    scenario = tmp_path / "markup.yaml"
    scenario.write_text('name: "[b]b[/] [/]"\ndays: 3\n')  # unescaped, "[/]" would crash the console
    (tmp_path / "plain.yaml").write_text("name: plain\ndays: 3\n")
    result = invoke("simulate", str(scenario), str(tmp_path / "plain.yaml"), "--out", str(tmp_path / "out"),
                    "--burn-in-days", "1")
    assert result.exit_code == 0, result.output
    assert "[b]b[/]" in result.output


def test_progress_on_a_terminal_shows_names_literally(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spinner and progress-bar labels hold scenario names: markup ("[/]") and braces are shown, not interpreted."""
    import io

    from rich.console import Console

    from gutsleep.apps import ui

    screen = io.StringIO()
    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr(ui, "err_console", lambda: Console(file=screen, force_terminal=True, width=120))
    label = "simulating [b]b[/] [/] {task.fields} \x1b"
    with ui.phase(label):
        pass
    with ui.day_progress(label, check_compile=False) as advance:
        assert callable(advance)
        for day in range(1, 4):
            advance(day, 3)
    assert "[b]b[/] [/] {task.fields}" in screen.getvalue()


def test_control_characters_in_names_are_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "evil.yaml"
    scenario.write_text('name: "x\\e]0;owned\\a\\e[2J"\ndescription: "two\\nlines are fine"\ndays: 3\n')
    result = invoke("simulate", str(scenario), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "\x1b" not in result.output and "\x07" not in result.output
    assert "evil.yaml:1: name: control characters are not allowed (found \\x1b at position 1)" in result.output
    named = tmp_path / "file\x1b[31mname.yaml"  # a name taken from such a file name is made printable
    named.write_text("days: 3\n")
    from gutsleep.scenario import load_scenario

    assert load_scenario(named).name == "file?[31mname"


def test_error_messages_escape_file_names(tmp_path: Path) -> None:
    bad = tmp_path / "bad\x1b[31m.yaml"
    bad.write_text("days: -1\n")
    result = invoke("simulate", str(bad), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "\x1b" not in result.output and "bad\\x1b[31m.yaml" in result.output


def test_local_cluster_uses_tls_with_a_temporary_key_and_no_http_routes() -> None:
    pytest.importorskip("dask.distributed")
    pytest.importorskip("cryptography")
    from dask.distributed import Client

    from gutsleep.cohort.executor import _local_cluster

    cluster = _local_cluster(1, 0)
    try:
        assert cluster.scheduler_address.startswith("tls://127.0.0.1:")
        with pytest.raises(Exception):  # noqa: B017 - dask raises OSError, TypeError or TimeoutError here
            # no key, no certificate: no connection (and, failing, it must not stay dask's default scheduler)
            Client(cluster.scheduler_address, timeout="3s", set_as_default=False)
        with Client(cluster, security=cluster.security) as client:
            assert client.submit(sum, [1, 2]).result() == 3
        port = cluster.scheduler.http_server.port
        for route in ("/health", "/info/main/workers.html", "/json/counts.json", "/status", "/metrics"):
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=5)
            assert info.value.code == 404, route
    finally:
        cluster.close()


def test_unreachable_scheduler_is_an_error_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("dask.distributed")
    import gutsleep.cohort.executor as executor
    from gutsleep.cohort.population import Population, parse_population

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("work started without a scheduler")

    monkeypatch.setattr(executor, "simulate_chunk", refuse)
    source = executor.CohortSource(Population(parse_population("name: p\nsize: 2\n")), 2)
    out = tmp_path / "out"
    for address in ("tcp://127.0.0.1:1", "not-an-address"):
        opts = executor.RunOptions(burn_in_days=1, scheduler=address, connect_timeout_s=1)
        with pytest.raises(ValueError, match="cannot connect to the dask scheduler"):
            executor.run_subjects(source, out, opts)
        assert not out.exists() and not executor.partial_folder(out).exists()


def test_unreachable_scheduler_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("dask.distributed")
    (tmp_path / "pop.yaml").write_text("name: p\nsize: 2\n")
    result = invoke("cohort", str(tmp_path / "pop.yaml"), "--days", "2", "--scheduler", "nonsense:::",
                    "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "cannot connect to the dask scheduler" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_explain_with_a_failed_integration_ends_with_a_message(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import gutsleep.explain as explain
    from gutsleep.solve.engine import SimulationError

    def failing(*_a: object, **_k: object) -> None:
        raise SimulationError("state il6 became negative for subject 3 at t = 12.5 h")

    monkeypatch.setattr(explain, "explain", failing)
    out = tmp_path / "why"
    result = invoke("explain", "baseline", "baseline", "--out", str(out))
    assert result.exit_code == 2 and "failed to integrate" in result.output and "il6" in result.output
    assert "Traceback" not in result.output and not out.exists()
    assert not list(tmp_path.glob(".why.gutsleep-tmp-*"))
