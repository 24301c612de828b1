"""A small Liberty reader for the cost flow: per cell, its area, leakage, pins (direction, capacitance, Boolean
function), flip-flop and latch groups, timing arcs (NLDM delay and transition tables) and internal-power tables.

Only what the flow uses is read: run_cost.py's pipelining (pipeline.py: arrival times and stage cuts), the
gate-level simulator (gatesim: cell functions) and the energy model (energy.py: pin capacitances, internal power,
leakage). Cells are parsed on demand, so a flow that maps onto 80 of the library's 400 cells reads only those.
"""
import bisect
import re

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z0-9_.+\-!\[\]]+|[(){}:;,]|\\\n|\\')


def _tokens(text):
    for m in _TOKEN.finditer(text):
        t = m.group(0)
        if t.startswith("\\"):
            continue
        yield t


class Group:
    """One Liberty group: `type (args) { simple attributes; complex attributes; subgroups }`."""
    __slots__ = ("type", "args", "attrs", "complex", "groups")

    def __init__(self, gtype, args):
        self.type, self.args = gtype, args
        self.attrs, self.complex, self.groups = {}, {}, []

    def sub(self, gtype):
        return [g for g in self.groups if g.type == gtype]


def _unquote(t):
    return t[1:-1] if t.startswith('"') else t


def parse_group_text(text):
    """Parses the text of one group (e.g. a `cell (...) { ... }`) into a Group."""
    toks = list(_tokens(text))
    pos = 0

    def parse_args():
        nonlocal pos
        assert toks[pos] == "("
        pos += 1
        args = []
        while toks[pos] != ")":
            if toks[pos] != ",":
                args.append(_unquote(toks[pos]))
            pos += 1
        pos += 1
        return args

    def parse_body(group):
        nonlocal pos
        while toks[pos] != "}":
            name = toks[pos]
            pos += 1
            if toks[pos] == ":":
                pos += 1
                value = []
                while toks[pos] != ";":
                    value.append(_unquote(toks[pos]))
                    pos += 1
                pos += 1
                group.attrs[name] = " ".join(value)
            elif toks[pos] == "(":
                args = parse_args()
                if toks[pos] == "{":
                    pos += 1
                    child = Group(name, args)
                    parse_body(child)
                    group.groups.append(child)
                else:
                    if toks[pos] == ";":
                        pos += 1
                    group.complex[name] = args
            else:  # a stray token (e.g. a bare define): skip it
                pos += 1
        pos += 1

    gtype = toks[pos]
    pos += 1
    args = parse_args()
    assert toks[pos] == "{"
    pos += 1
    group = Group(gtype, args)
    parse_body(group)
    return group


def _floats(s):
    return [float(v) for v in re.split(r"[,\s]+", s.strip()) if v]


class Table:
    """An NLDM lookup table (1-D or 2-D), interpolated and extrapolated linearly like STA tools do."""
    __slots__ = ("index_1", "index_2", "values")

    def __init__(self, group, templates):
        tmpl = templates.get(group.args[0]) if group.args else None
        idx1 = group.complex.get("index_1") or (tmpl.complex.get("index_1") if tmpl else None)
        idx2 = group.complex.get("index_2") or (tmpl.complex.get("index_2") if tmpl else None)
        rows = [_floats(r) for r in group.complex["values"]]
        if len(rows) == 1 and len(rows[0]) == 1:  # scalar
            self.index_1, self.index_2, self.values = [0.0], None, [rows[0]]
        elif idx2 and len(rows) > 1:  # 2-D: one row per index_1 entry
            self.index_1, self.index_2, self.values = _floats(idx1[0]), _floats(idx2[0]), rows
        else:  # 1-D
            self.index_1, self.index_2, self.values = _floats(idx1[0]), None, [rows[0]]

    @staticmethod
    def _interp(xs, x):
        if len(xs) == 1:
            return 0, 0, 0.0
        i = min(max(bisect.bisect_right(xs, x) - 1, 0), len(xs) - 2)
        return i, i + 1, (x - xs[i]) / (xs[i + 1] - xs[i])

    def __call__(self, x1, x2=0.0):
        if self.index_2 is None:
            row = self.values[0]
            if len(row) == 1:
                return row[0]
            i, j, f = self._interp(self.index_1, x1)
            return row[i] + f * (row[j] - row[i])
        i, j, f = self._interp(self.index_1, x1)
        k, l, g = self._interp(self.index_2, x2)
        v = self.values
        a = v[i][k] + g * (v[i][l] - v[i][k])
        b = v[j][k] + g * (v[j][l] - v[j][k])
        return a + f * (b - a)


class Cell:
    """What the flow needs of one cell."""

    def __init__(self, group, templates):
        self.name = group.args[0]
        self.area = float(group.attrs.get("area", 0.0))
        self.leakage_nw = float(group.attrs.get("cell_leakage_power", 0.0))
        self.pins = {}       # name -> {"dir", "cap", "function", "clock"}
        self.arcs = []       # (related pin, output pin, timing_type, {table name: Table}, timing_sense)
        self.setup = {}      # data pin -> (rise Table, fall Table) of setup_rising
        self.power = []      # (pin, related pin or None, rise Table or None, fall Table or None)
        self.ff = None       # {"clocked_on", "next_state", "clear", "preset", "state"}
        self.latch = None
        self.icg = group.attrs.get("clock_gating_integrated_cell")
        for ff in group.sub("ff"):
            self.ff = dict(ff.attrs, state=ff.args[0])
        for latch in group.sub("latch"):
            self.latch = dict(latch.attrs, state=latch.args[0])
        for pin in group.sub("pin"):
            self._pin(pin, templates)
        for bus in group.sub("bus"):  # no bus pins in the standard cells; kept for completeness
            for pin in bus.sub("pin"):
                self._pin(pin, templates)

    def _pin(self, pin, templates):
        name = pin.args[0]
        self.pins[name] = {"dir": pin.attrs.get("direction"), "cap": float(pin.attrs.get("capacitance", 0.0)),
                           "function": pin.attrs.get("function"), "clock": pin.attrs.get("clock") == "true",
                           "state_function": pin.attrs.get("state_function")}
        for t in pin.sub("timing"):
            ttype = t.attrs.get("timing_type", "combinational")
            tables = {g.type: Table(g, templates) for g in t.groups}
            related = t.attrs.get("related_pin", "")
            if ttype == "setup_rising":
                self.setup[name] = (tables.get("rise_constraint"), tables.get("fall_constraint"))
            elif ttype in ("combinational", "rising_edge", "falling_edge", "combinational_rise",
                           "combinational_fall", "preset", "clear"):
                sense = t.attrs.get("timing_sense", "non_unate")
                for rel in related.split():
                    self.arcs.append((rel, name, ttype, tables, sense))
        for p in pin.sub("internal_power"):
            tables = {g.type: Table(g, templates) for g in p.groups}
            rel = p.attrs.get("related_pin")
            self.power.append((name, rel, tables.get("rise_power"), tables.get("fall_power")))

    def inputs(self):
        return [p for p, d in self.pins.items() if d["dir"] == "input"]

    def outputs(self):
        return [p for p, d in self.pins.items() if d["dir"] == "output"]


class Library:
    """Cells of one Liberty file, parsed when first asked for."""

    def __init__(self, text):
        self.text = text
        head_end = text.find("\n    cell (")
        head = text[:head_end if head_end > 0 else len(text)]
        self.time_unit = _attr(head, "time_unit", "1ns")
        self.voltage = float(_attr(head, "nom_voltage", "1.8"))
        self.templates = {}
        for m in re.finditer(r'\n\s*(lu_table_template|power_lut_template)\s*\(\s*"?(\w+)"?\s*\)\s*\{(.*?)\}',
                             head, re.S):
            self.templates[m.group(2)] = parse_group_text(f"{m.group(1)} ({m.group(2)}) {{{m.group(3)}}}")
        self._spans = {}
        starts = [m.start() for m in re.finditer(r'\n\s*cell\s*\(', text)] + [len(text)]
        for a, b in zip(starts, starts[1:]):
            m = re.match(r'\s*cell\s*\(\s*"?([\w$]+)"?', text[a:a + 200])
            if m:
                self._spans[m.group(1)] = (a, b)
        self._cells = {}

    def has(self, name):
        return name in self._spans

    def cell(self, name):
        c = self._cells.get(name)
        if c is None:
            a, b = self._spans[name]
            chunk = self.text[a:b]
            # The span runs to the next cell: cut it at the cell's closing brace.
            depth, end = 0, len(chunk)
            for i, ch in enumerate(chunk):
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth == 0:
                        end = i + 1
                        break
            c = self._cells[name] = Cell(parse_group_text(chunk[:end]), self.templates)
        return c

    def cell_names(self):
        return list(self._spans)


def _attr(text, name, default):
    m = re.search(r"\b%s\s*:\s*\"?([^\";]+)\"?\s*;" % re.escape(name), text)
    return m.group(1).strip() if m else default


# ---- Boolean functions of the `function` attribute ------------------------------------------------------------

_FN_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_\[\]]*|[()!'&|*+^]|[01])")


def parse_function(expr):
    """Parses a Liberty Boolean function into a tree: ("var", name), ("const", 0/1), ("not", a),
    ("and", a, b), ("or", a, b), ("xor", a, b). Precedence: ! and postfix ' > ^ > & * (and juxtaposition) > | +."""
    toks = [m.group(1) for m in _FN_TOKEN.finditer(expr)]
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def primary():
        nonlocal pos
        t = peek()
        pos += 1
        if t == "!":
            node = ("not", primary())
        elif t == "(":
            node = or_expr()
            assert peek() == ")", expr
            pos += 1
        elif t in ("0", "1"):
            node = ("const", int(t))
        else:
            node = ("var", t)
        while peek() == "'":
            pos += 1
            node = ("not", node)
        return node

    def xor_expr():
        nonlocal pos
        node = primary()
        while peek() == "^":
            pos += 1
            node = ("xor", node, primary())
        return node

    def and_expr():
        nonlocal pos
        node = xor_expr()
        while peek() is not None and peek() not in ("|", "+", ")"):
            if peek() in ("&", "*"):
                pos += 1
            node = ("and", node, xor_expr())
        return node

    def or_expr():
        nonlocal pos
        node = and_expr()
        while peek() in ("|", "+"):
            pos += 1
            node = ("or", node, and_expr())
        return node

    tree = or_expr()
    assert pos == len(toks), f"cannot parse Liberty function {expr!r}"
    return tree


def function_vars(tree, out=None):
    out = set() if out is None else out
    if tree[0] == "var":
        out.add(tree[1])
    elif tree[0] != "const":
        for sub in tree[1:]:
            function_vars(sub, out)
    return out


def eval_function(tree, env):
    op = tree[0]
    if op == "var":
        return env[tree[1]]
    if op == "const":
        return tree[1]
    if op == "not":
        return 1 - eval_function(tree[1], env)
    a, b = eval_function(tree[1], env), eval_function(tree[2], env)
    return a & b if op == "and" else a | b if op == "or" else a ^ b


def function_cpp(tree, var):
    """C++ expression on 64-bit words (one bit per simulated stream); var maps a pin name to its expression."""
    op = tree[0]
    if op == "var":
        return var(tree[1])
    if op == "const":
        return "~0ull" if tree[1] else "0ull"
    if op == "not":
        return f"~({function_cpp(tree[1], var)})"
    sym = {"and": "&", "or": "|", "xor": "^"}[op]
    return f"({function_cpp(tree[1], var)} {sym} {function_cpp(tree[2], var)})"
