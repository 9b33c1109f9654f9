"""Figures printed beside the same figure of a baseline measured in the same run."""

from __future__ import annotations

from dataclasses import dataclass

from bench.common import Figure, Report, fmt


@dataclass
class ComparedFigure(Figure):
    """A figure of the current tree with the baseline's value and current / baseline.

    Targets hold the current value only; the baseline is there to show what moved.
    """

    baseline: float | None = None
    ratio: float | None = None  # current / baseline
    # The note as given, without the baseline text (printed beside the columns instead);
    # a plain attribute, not a field, so the JSON has the note once.
    plain_note = ""

    def line(self) -> str:
        text = f"  {self.name:<52} {fmt(self.value):>8} {self.unit:<5}"
        if self.baseline is not None or self.ratio is not None:
            ratio = "n/a" if self.ratio is None else f"{fmt(self.ratio)}x"
            text += f" baseline {fmt(self.baseline):>8}  {ratio:>6}"
        if self.met is not None:
            mark = "met" if self.met else "MISSED"
            text += f"  target {self.op} {fmt(self.limit)} {self.unit}: {mark}"
        if self.plain_note:
            text += f"  ({self.plain_note})"
        return text


class ComparedReport(Report):
    """A Report whose `add` takes the baseline's value too.

    The baseline and the ratio are JSON fields of each figure and, for bench/README.md's
    table (written by bench.summary from the note), also the start of the note.
    """

    def add(  # type: ignore[override]
        self,
        name: str,
        value: float | None,
        unit: str,
        op: str | None = None,
        limit: float | None = None,
        note: str = "",
        baseline: float | None = None,
        compare: bool = True,
    ) -> Figure:
        plain_note = note
        value = None if value is None else round(float(value), 4)
        base = None if baseline is None else round(float(baseline), 4)
        ratio = round(value / base, 3) if value is not None and base else None
        if compare:
            versus = f"baseline {fmt(base)} {unit}, current/baseline {fmt(ratio)}"
            note = f"{versus}; {note}" if note else versus
        fig = ComparedFigure(name, value, unit, op, limit, note, base, ratio)
        fig.plain_note = plain_note
        self.figures.append(fig)
        print(fig.line(), flush=True)
        return fig
