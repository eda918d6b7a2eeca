"""``planner generate``: write a random valid instance of a given size."""

from __future__ import annotations

import click

from planner.cli import options
from planner.cli.common import example
from planner.io.errors import InstanceError
from planner.io.generate_draw import PERIOD_MONTHS


@click.command(
    "generate",
    epilog=example(
        "planner generate --sites 5 --periods 12 --seed 1 -o out/five.yaml",
        "planner solve out/five.yaml",
    ),
)
@click.option("--sites", type=options.SITES, metavar="N", required=True, help="Number of sites.")
@click.option(
    "--periods",
    type=options.PERIODS,
    metavar="T",
    required=True,
    help="Number of periods (the deadline is in the last).",
)
@click.option(
    "--technologies",
    type=options.TECHNOLOGIES,
    default=5,
    metavar="N",
    help="Number of on-site power technologies (default 5).",
)
@click.option(
    "--sources",
    type=options.SOURCES,
    default=5,
    metavar="N",
    help="Number of funding sources (default 5).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    metavar="N",
    help="Random seed: same seed, same file (default 0).",
)
@click.option(
    "--period-months",
    type=click.Choice([str(p) for p in PERIOD_MONTHS]),
    default="3",
    help="Months per period (default 3).",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    metavar="FILE",
    help="The YAML file to write.",
)
def generate_cmd(
    sites: int,
    periods: int,
    technologies: int,
    sources: int,
    seed: int,
    period_months: str,
    output: str,
) -> None:
    """Write a random but realistic instance (same seed, same file)."""
    from planner.io.atomic import write_file
    from planner.io.fields import MAX_HORIZON_MONTHS
    from planner.io.generate import dump_yaml, generate_instance
    from planner.io.load import parse_instance

    most = MAX_HORIZON_MONTHS // int(period_months)
    if periods > most:
        raise click.BadParameter(
            f"{periods} periods of {period_months} months run past the {MAX_HORIZON_MONTHS // 12}"
            f" years an instance may span: at most {most}",
            param_hint="'--periods'",
        )
    data = generate_instance(sites, periods, technologies, sources, seed, int(period_months))
    try:
        parse_instance(data, source=output)
    except InstanceError as exc:  # a bug in the generator: say so loudly
        raise click.ClickException("generated an invalid instance:\n" + str(exc)) from exc
    try:
        write_file(output, dump_yaml(data))
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {output}")
