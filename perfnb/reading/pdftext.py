"""A PDF table without ruling lines, rebuilt from where its words stand.

Forms exported from Word/WPS with the borders off, or printed from a web page, keep a text
layer but no lines, so pdfplumber's table finder sees nothing.  Its text strategy (columns
guessed from word edges that line up) cuts wrapped Chinese cells apart, so the table is
rebuilt here the way a reader's eye does it:

1. **Lines**: the words of one printed line, joined where the gap is under half a character
   (a cell's text); a wider gap is the next cell.
2. **Cells**: lines stacked closely (gap under half a line) and overlapping sideways are one
   cell's wrapped text.
3. **Rows**: cells whose heights overlap are one row.  A cell beside two cells of one column
   that do not overlap each other spans rows: either two cells printed tight one above the
   other (each part centred or top-aligned in a row: split again), or a merged label printed
   once in the middle of its group (一级/二级 centred over their rows, as Word and HTML
   print them).  Such a label covers the rows around it whose middle is its middle, within
   the rows its column leaves blank, as a merged cell of a workbook does.
4. **Columns**: cells overlapping sideways are one column, except a cell that lies over two
   cells of one row that are side by side (a title, a value across the header block, a long
   target): it covers the columns it lies over, as a merged cell.

The result is a :class:`Grid` with merged cells in its anchor map, the same the ruled
tables give, so the form readers need nothing of their own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_ASCII_WORD = re.compile(r"[A-Za-z]")


def join_lines(text: str | None) -> str | None:
    """A cell's wrapped lines as one text: Chinese wraps anywhere, so no space is added
    unless both sides of the break are Latin letters."""
    if text is None:
        return None
    lines = [line.strip() for line in text.split("\n")]
    joined = ""
    for line in lines:
        if not line:
            continue
        if joined and _ASCII_WORD.match(joined[-1]) and _ASCII_WORD.match(line[0]):
            joined += " "
        joined += line
    return joined or None


__all__ = ["TextCell", "TextTable", "page_cells", "cells_grid", "page_table", "join_lines"]

LINE_GAP = 0.5        # of a character's height: wider gaps between words on a line part cells
STACK_GAP = 0.5       # of a line's height: closer lines above each other are one cell
ALIGN = 1.6           # points: a part centred (or top-aligned) in a row


@dataclass
class Line:
    x0: float
    x1: float
    top: float
    bottom: float
    text: str

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(eq=False)
class TextCell:
    lines: list[Line]
    rows: tuple[int, int] | None = None
    columns: tuple[int, int] = (0, 0)
    spanning: bool = False

    @property
    def x0(self) -> float:
        return min(line.x0 for line in self.lines)

    @property
    def x1(self) -> float:
        return max(line.x1 for line in self.lines)

    @property
    def top(self) -> float:
        return self.lines[0].top

    @property
    def bottom(self) -> float:
        return self.lines[-1].bottom

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def text(self) -> str:
        return join_lines("\n".join(line.text for line in self.lines)) or ""


def _overlap(a0: float, a1: float, b0: float, b1: float, margin: float = 0.5) -> bool:
    return min(a1, b1) - max(a0, b0) > margin


def _same_column(a, b) -> bool:
    return _overlap(a.x0, a.x1, b.x0, b.x1)


def _same_height(a, b) -> bool:
    return _overlap(a.top, a.bottom, b.top, b.bottom)


def _lines(words: list[dict]) -> list[Line]:
    """Words of one printed line joined into the pieces of text that are one cell's."""
    words = sorted(words, key=lambda w: (round(w["top"]), w["x0"]))
    rows: list[list[dict]] = []
    for word in words:
        for row in rows:
            if abs(row[0]["top"] - word["top"]) <= 1.0 and abs(row[0]["bottom"] - word["bottom"]) <= 1.5:
                row.append(word)
                break
        else:
            rows.append([word])
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        current: Line | None = None
        for word in row:
            height = word["bottom"] - word["top"]
            text = word["text"].strip()
            if not text:
                continue
            if current is not None and word["x0"] - current.x1 <= LINE_GAP * height:
                current.x1 = max(current.x1, word["x1"])
                current.top = min(current.top, word["top"])
                current.bottom = max(current.bottom, word["bottom"])
                current.text += word["text"]
                continue
            current = Line(word["x0"], word["x1"], word["top"], word["bottom"], word["text"])
            lines.append(current)
    for line in lines:
        line.text = line.text.strip()
    return sorted(lines, key=lambda line: (line.top, line.x0))


_FIGURE_RE = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?%?$")


def _stack(lines: list[Line]) -> list[TextCell]:
    """Lines closely above each other and overlapping sideways: one cell's wrapped text
    (two whole figures one above the other are two cells: a figure does not wrap)."""
    cells: list[TextCell] = []
    for line in lines:
        height = line.bottom - line.top
        best = None
        for cell in cells:
            last = cell.lines[-1]
            gap = line.top - last.bottom
            if -0.5 <= gap <= STACK_GAP * height and _overlap(last.x0, last.x1, line.x0, line.x1) \
                    and not (_FIGURE_RE.match(last.text) and _FIGURE_RE.match(line.text.strip())):
                if best is None or last.bottom > best.lines[-1].bottom:
                    best = cell
        if best is not None:
            best.lines.append(line)
        else:
            cells.append(TextCell([line]))
    return cells


def _spans_rows(cell: TextCell, others: list[TextCell]) -> bool:
    """Beside two cells of one column that do not overlap each other in height."""
    beside = [o for o in others if o is not cell and not o.spanning and _same_height(cell, o)
              and not _same_column(cell, o)]
    for i, a in enumerate(beside):
        for b in beside[i + 1:]:
            if _same_column(a, b) and not _same_height(a, b):
                return True
    return False


def _join_spans(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    bands: list[list[float]] = []
    for top, bottom in sorted(spans):
        if bands and top < bands[-1][1] - 0.5:
            bands[-1][1] = max(bands[-1][1], bottom)
        else:
            bands.append([top, bottom])
    return [(a, b) for a, b in bands]


def _in_label_column(cell: TextCell, label: TextCell) -> bool:
    """In the column of a label spanning rows, near it (within three of its heights: the
    blocks of a form above and below have columns of their own)."""
    height = label.bottom - label.top
    return _same_column(cell, label) and cell.bottom > label.top - 3 * height \
        and cell.top < label.bottom + 3 * height


def _has_peer(cell: TextCell, cells: list[TextCell]) -> bool:
    """Another column's cell beside it with the same middle or the same top: the two are
    in one row (a label centred over several rows lines up with nothing)."""
    return any(o is not cell and not o.spanning and not _same_column(cell, o)
               and _same_height(cell, o) and (abs(o.middle - cell.middle) <= ALIGN
                                              or abs(o.top - cell.top) <= ALIGN)
               for o in cells)


def _aligned(top: float, bottom: float, band: tuple[float, float]) -> bool:
    return abs((top + bottom) / 2 - (band[0] + band[1]) / 2) <= ALIGN or abs(top - band[0]) <= ALIGN


def _split_stacked(cell: TextCell, bands: list[tuple[float, float]]) -> list[TextCell] | None:
    """A spanning cell that is really cells of consecutive rows printed tight: its lines in
    groups, each centred (or top-aligned) in a row of its own, or standing between rows
    (a label-only row)."""
    lines = cell.lines
    n = len(lines)
    # lines used -> the groups so far (end, row, aligned); the best division has the most
    # groups in line with a row, then the fewest standing between rows
    best: dict[int, list[tuple[int, float, bool]]] = {0: []}

    def score(groups: list[tuple[int, float, bool]]) -> tuple[int, int]:
        aligned = sum(1 for g in groups if g[2])
        return aligned, aligned - len(groups)

    for start in range(n):
        if start not in best:
            continue
        last = best[start][-1][1] if best[start] else -1.0
        for end in range(start + 1, n + 1):
            top, bottom = lines[start].top, lines[end - 1].bottom
            group = None
            touching = [b for b, band in enumerate(bands) if _overlap(top, bottom, *band)]
            for b in touching:
                if b > last and _aligned(top, bottom, bands[b]):
                    group = (end, float(b), True)
                    break
            if group is None and not touching:
                place = sum(1 for band in bands if band[1] <= top) - 0.5
                if place > last:
                    group = (end, place, False)
            if group is not None:
                candidate = best[start] + [group]
                if end not in best or score(candidate) > score(best[end]):
                    best[end] = candidate
    if n not in best or len(best[n]) < 2 or not any(g[2] for g in best[n]):
        return None
    parts, start = [], 0
    for end, _, _ in best[n]:
        parts.append(TextCell(lines[start:end]))
        start = end
    return parts


def page_cells(words: list[dict], centred: list[tuple[float, float]] = ()
               ) -> tuple[list[TextCell], list[tuple[float, float]]]:
    """The cells of a page's text, each with the rows and columns it covers, and the
    columns' horizontal extents.  ``centred``: where the page before had labels centred
    over their groups (a table going on over the page keeps its way of printing them)."""
    cells = _stack(_lines(words))
    for cell in cells:
        cell.spanning = _spans_rows(cell, cells)

    def rows_of(pool: list[TextCell]) -> set[int]:
        """Cells that make rows: in line with a cell of another column, both outside the
        columns of cells spanning rows (label columns: their labels stand between rows)."""
        spanning = [c for c in pool if c.spanning]
        candidates = [c for c in pool if not c.spanning
                      and not any(_in_label_column(c, o) for o in spanning)]
        return {id(c) for c in candidates if _has_peer(c, candidates)}

    first = rows_of(cells)
    bands = _join_spans([(c.top, c.bottom) for c in cells if id(c) in first])
    split: list[TextCell] = []
    for cell in cells:
        parts = _split_stacked(cell, bands) if cell.spanning else None
        split.extend(parts or [cell])
    cells = split
    regular = rows_of(cells)
    bands = _join_spans([(c.top, c.bottom) for c in cells if id(c) in regular])
    # a cell alone at its height: a label centred over blank rows of its column, or a row
    # of its own (a label-only row)
    rest = [c for c in cells if id(c) not in regular]
    own = [c for c in rest if not c.spanning
           and not any(_overlap(c.top, c.bottom, *b) for b in bands)
           and _fit(c, bands, cells, regular) is None]
    regular.update(id(c) for c in own)
    bands = _join_spans([(c.top, c.bottom) for c in cells if id(c) in regular])
    if not bands:
        return [], []
    for cell in cells:
        if id(cell) in regular:
            row = _band_of(cell.middle, bands)
            cell.rows = (row, row)
    # the others: merged labels, placed over the blank rows around them in their column
    # (a label in line with a row keeps that row when nothing around it is blank)
    spanning = [c for c in cells if c.spanning]
    for cell in sorted((c for c in cells if id(c) not in regular), key=lambda c: c.top):
        touching = sum(1 for band in bands if _overlap(cell.top, cell.bottom, *band))
        labels = cell.spanning or any(_in_label_column(cell, o) for o in spanning if o is not cell)
        fit = None
        if labels or touching != 1:
            lined_up = not cell.spanning and _has_peer(cell, cells)
            fit = _fit(cell, bands, cells, regular, centred=lined_up)
        cell.rows = fit if fit is not None else (_band_of(cell.middle, bands),) * 2
    # a label in line with a row, in a column where labels are centred over their groups
    # (one over an odd number of rows stands in line with the middle one)
    spans = [(c.x0, c.x1) for c in cells if c.rows[1] > c.rows[0]] + list(centred)
    for cell in sorted(cells, key=lambda c: c.top):
        if id(cell) in regular and any(_overlap(cell.x0, cell.x1, a, b) and (a, b) != (cell.x0, cell.x1)
                                       for a, b in spans):
            cell.rows = _fit(cell, bands, cells, regular, centred=True) or cell.rows
    pairs = _merge_header_rows(cells, len(bands), bands)
    columns = _assign_columns(cells)
    _spread_group_headings(cells, pairs)
    return cells, columns


def _spread_group_headings(cells: list[TextCell], pairs: list[tuple[int, int]]) -> None:
    """A group heading of a two-row header (年度指标值, 自评得分) is merged across its
    sub-headings: those of the row below nearer to it than to any other group heading."""
    for top, below in pairs:
        groups = [c for c in cells if c.rows == (top, top)]
        subs = [c for c in cells if c.rows == (below, below)]
        if not groups:
            continue
        members: dict[int, list[TextCell]] = {}
        for sub in subs:
            centre = (sub.x0 + sub.x1) / 2
            group = min(groups, key=lambda g: abs((g.x0 + g.x1) / 2 - centre))
            members.setdefault(id(group), []).append(sub)
        for group in groups:
            mine = members.get(id(group), [])
            if len(mine) >= 2:
                group.columns = (min([group.columns[0]] + [m.columns[0] for m in mine]),
                                 max([group.columns[1]] + [m.columns[1] for m in mine]))


def _merge_header_rows(cells: list[TextCell], count: int,
                       bands: list[tuple[float, float]]) -> list[tuple[int, int]]:
    """A two-row header prints the headings merged down over both rows centred between
    them (一级指标 … 分值, 得分 beside 年度指标值 over 指标性质/指标值/度量单位): a row of
    their own at first sight.  Such a row, whose cells all stand in the middle of the rows
    above and below and in columns those rows leave blank, is the two rows' merged cells."""
    pairs: list[tuple[int, int]] = []
    b = 1
    while b < count:
        own = [c for c in cells if c.rows == (b, b)]
        above = [c for c in cells if c.rows == (b - 1, b - 1)]
        below = [c for c in cells if c.rows == (b + 1, b + 1)] if b + 1 < count else []
        middle = (bands[b - 1][0] + bands[b + 1][1]) / 2 if below else None
        if middle is not None and own and above and all(
                abs(c.middle - middle) <= 2 * ALIGN
                and not any(_same_column(c, o) for o in above + below) for c in own):
            for cell in cells:
                r0, r1 = cell.rows
                if cell in own:
                    r0, r1 = b - 1, b + 1
                cell.rows = (r0 - (r0 > b), r1 - (r1 >= b))
            bands.pop(b)
            count -= 1
            pairs.append((b - 1, b))
        elif own and above:
            # group headings (年度指标值 over 指标性质/指标值/度量单位) above a row that holds
            # both their sub-headings and the headings merged down over both rows
            middle = (bands[b - 1][0] + bands[b][1]) / 2
            merged = [c for c in own if abs(c.middle - middle) <= 2 * ALIGN
                      and not any(_same_column(c, o) for o in above)]
            subs = [c for c in own if c not in merged]
            if len(merged) >= 2 and len(subs) >= 2 and len(above) < len(subs) and all(
                    any(_same_column(a, c) for c in subs) for a in above):
                for cell in merged:
                    cell.rows = (b - 1, b)
                pairs.append((b - 1, b))
        b += 1
    return pairs


def _band_of(y: float, bands: list[tuple[float, float]]) -> int:
    return min(range(len(bands)), key=lambda b: 0 if bands[b][0] <= y <= bands[b][1]
               else min(abs(y - bands[b][0]), abs(y - bands[b][1])))


def _fit(cell: TextCell, bands: list[tuple[float, float]], cells: list[TextCell],
         regular: set[int], centred: bool = False) -> tuple[int, int] | None:
    """The rows a label printed once for its group covers: a run of rows, blank in its
    column, whose middle is the label's middle (Word and HTML centre a merged cell), or None
    when no such run lines up with it."""
    above = [b for b, band in enumerate(bands) if (band[0] + band[1]) / 2 <= cell.middle]
    below = [b for b, band in enumerate(bands) if (band[0] + band[1]) / 2 >= cell.middle]
    if not above or not below:
        return None
    first, last = above[-1], below[0]
    taken: set[int] = set()
    for other in cells:
        if other is cell or not _same_column(cell, other):
            continue
        if other.rows is not None:
            taken.update(range(other.rows[0], other.rows[1] + 1))
        elif id(other) in regular:
            taken.add(_band_of(other.middle, bands))
    own = _band_of(cell.middle, bands) if centred else None
    taken.discard(own)
    if own is not None:
        first, last = min(first, own), max(last, own)
    if any(r in taken for r in range(first, last + 1)):
        return None if own is None else (own, own)
    low, high = first, last
    while low - 1 >= 0 and low - 1 not in taken:
        low -= 1
    while high + 1 < len(bands) and high + 1 not in taken:
        high += 1
    best, score = None, None
    for s in range(low, first + 1):
        for e in range(last, high + 1):
            miss = abs((bands[s][0] + bands[e][1]) / 2 - cell.middle)
            key = (miss > 2 * ALIGN, -(e - s), miss)    # the widest run centred on it
            if score is None or key < score:
                best, score = (s, e), key
    if score is None or score[0]:
        return None if own is None else (own, own)
    return best


def _assign_columns(cells: list[TextCell]) -> list[tuple[float, float]]:
    """Columns: those of the rows with the most cells (the indicator table), from cells
    overlapping sideways; a cell lying over two side-by-side cells of such a row (a title,
    a value across the header block, a long target) covers the columns under it.  The
    blocks above the table (header, funds, targets) have columns of their own: their cells
    go under the column they overlap most."""
    def main(cell: TextCell) -> bool:
        return any(r in main_rows for r in range(cell.rows[0], cell.rows[1] + 1))

    def covers_two(cell: TextCell) -> bool:
        beside = [o for o in cells if o is not cell and main(o) and _same_column(cell, o)]
        for i, a in enumerate(beside):
            for b in beside[i + 1:]:
                if not _same_column(a, b) and _rows_meet(a, b) and not _rows_meet(a, cell):
                    return True
        return False

    count: dict[int, int] = {}
    for cell in cells:
        for r in range(cell.rows[0], cell.rows[1] + 1):
            count[r] = count.get(r, 0) + 1
    most = max(count.values(), default=0)
    main_rows = {r for r, n in count.items() if n >= max(3, 0.75 * most)}
    wide = {id(c) for c in cells if covers_two(c)}
    narrow = [c for c in cells if id(c) not in wide]
    core = sorted((c for c in narrow if main(c)), key=lambda c: c.x0)
    # ... and a column only the other blocks have (nothing of the core stands under it)
    in_core = {id(c) for c in core}
    near = range(min(main_rows, default=0) - 3, max(main_rows, default=0) + 4)
    for cell in sorted((c for c in narrow if id(c) not in in_core), key=lambda c: c.x0):
        if cell.rows[1] in near and not any(_share(o.x0, o.x1, cell.x0, cell.x1) > 0
                                            for o in core):
            core.append(cell)
            in_core.add(id(cell))
    core.sort(key=lambda c: c.x0)
    others = [c for c in cells if id(c) not in in_core]
    narrow = core
    # one column: cells that overlap by half the narrower one
    parent = list(range(len(narrow)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(narrow):
        for j in range(i + 1, len(narrow)):
            b = narrow[j]
            if b.x0 >= a.x1:
                break
            if _share(a.x0, a.x1, b.x0, b.x1) >= 0.5:
                parent[root(j)] = root(i)
    members: dict[int, list[TextCell]] = {}
    for i, cell in enumerate(narrow):
        members.setdefault(root(i), []).append(cell)
    groups = sorted(([min(c.x0 for c in m), max(c.x1 for c in m), m] for m in members.values()),
                    key=lambda g: (g[0], g[1]))
    extents = [(g[0], g[1]) for g in groups]
    for index, group in enumerate(groups):
        for cell in group[2]:
            cell.columns = (index, index)
    for cell in others:
        # under a column it covers half of the narrower, or a third of the column's width
        under = [i for i, (x0, x1) in enumerate(extents) if _share(x0, x1, cell.x0, cell.x1) >= 0.5
                 or min(x1, cell.x1) - max(x0, cell.x0) >= (x1 - x0) / 3]
        if not under:
            under = [max(range(len(extents)), key=lambda i: min(extents[i][1], cell.x1)
                         - max(extents[i][0], cell.x0))]
        cell.columns = (under[0], under[-1])
    return extents


def _share(a0: float, a1: float, b0: float, b1: float) -> float:
    """How much two spans overlap, as a part of the shorter one."""
    shorter = max(min(a1 - a0, b1 - b0), 0.1)
    return max(0.0, min(a1, b1) - max(a0, b0)) / shorter


def _rows_meet(a: TextCell, b: TextCell) -> bool:
    return a.rows[0] <= b.rows[1] and b.rows[0] <= a.rows[1]


@dataclass
class TextTable:
    values: list[list[object]]
    anchor: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    columns: list[tuple[float, float]] = field(default_factory=list)
    centred: list[tuple[float, float]] = field(default_factory=list)   # labels over rows


def cells_grid(cells: list[TextCell], columns: list[tuple[float, float]]) -> TextTable:
    """The cells as grid values, rows with text only; a cell covering several positions is
    a merged cell (every position holds its text and points to its first one in the anchor
    map), except where a cell of its own stands."""
    if not cells:
        return TextTable([])
    used_rows = sorted({r for c in cells for r in range(c.rows[0], c.rows[1] + 1)})
    row_index = {r: i for i, r in enumerate(used_rows)}
    width = max(c.columns[1] for c in cells) + 1
    values: list[list[object]] = [[None] * width for _ in used_rows]
    anchor: dict[tuple[int, int], tuple[int, int]] = {}
    single = [c for c in cells if c.rows[0] == c.rows[1] and c.columns[0] == c.columns[1]]
    merged = [c for c in cells if c not in single]
    for cell in sorted(single, key=lambda c: (c.top, c.x0)):
        r, c = row_index[cell.rows[0]], cell.columns[0]
        values[r][c] = cell.text if values[r][c] is None else f"{values[r][c]}{cell.text}"
    taken = {(r, c) for r, row in enumerate(values) for c, v in enumerate(row) if v is not None}
    for cell in sorted(merged, key=lambda c: (c.rows[0], c.columns[0])):
        positions = [(r, c) for r in range(row_index[cell.rows[0]], row_index[cell.rows[1]] + 1)
                     for c in range(cell.columns[0], cell.columns[1] + 1) if (r, c) not in taken]
        if not positions:
            continue
        first = positions[0]
        for r, c in positions:
            values[r][c] = cell.text
            taken.add((r, c))
            if len(positions) > 1:
                anchor[(r + 1, c + 1)] = (first[0] + 1, first[1] + 1)
    return TextTable(values, anchor, columns)


def page_table(page, centred: list[tuple[float, float]] = ()) -> TextTable:
    """A pdfplumber page's text as one table (rows and columns rebuilt from positions)."""
    words = page.extract_words(keep_blank_chars=True, x_tolerance=1.5, y_tolerance=2)
    cells, columns = page_cells(words, centred)
    table = cells_grid(cells, columns)
    table.centred = [(c.x0, c.x1) for c in cells if c.rows[1] > c.rows[0]
                     and c.columns[0] == c.columns[1]]
    return table
