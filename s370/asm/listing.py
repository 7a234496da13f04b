"""The assembler listing in HLASM's layout: a heading, one line per statement with
LOC, OBJECT CODE, ADDR1, ADDR2, STMT and SOURCE, diagnostics under the statement
that caused them, literal pools where they are placed, the ordinary symbol and
literal cross reference, and a summary with the return code."""
from __future__ import annotations

HEADING = "  Loc  Object Code      Addr1 Addr2  Stmt   Source Statement"


def _objtext(st) -> str:
    obj = getattr(st, "obj", b"")
    if not obj:
        return ""
    if getattr(st, "ins", None) is not None:
        h = obj.hex().upper()
        return " ".join(h[k:k + 4] for k in range(0, len(h), 4))
    return obj[:8].hex().upper()


def _addr(v) -> str:
    return "" if v is None else f"{v & 0xFFFFFF:05X}"


def _title_of(st) -> str:
    t = st.operands.strip()
    if t.startswith("'"):
        t = t[1:-1] if t.endswith("'") and len(t) > 1 else t[1:]
    return t.replace("''", "'").replace("&&", "&")


def render(asm, source_name: str) -> str:
    """The listing of a finished assembly (``asm`` is an ``Assembler``): pages
    start with a heading (TITLE text, source, page number); TITLE and EJECT start a
    page and SPACE leaves blank lines, without being printed themselves."""
    out_title = [asm.title or ""]
    out = []
    page = 0

    def heading(title: str) -> None:
        nonlocal page
        page += 1
        if page > 1:
            out.append("\f")
        out.append(f"{title[:80]:<80}{source_name[-30:]:>30}  Page {page:>4}")
        out.append("")
        out.append(HEADING)
        page_start[0] = len(out)

    page_start = [0]
    heading(asm.title or "")
    print_gen = True
    print_data = False          # HLASM's default PRINT NODATA: 8 bytes of a constant
    for st in asm.stmts:
        msgs = st.__dict__.get("msgs", [])
        if st.kind == "instr" and not msgs and st.op in ("TITLE", "EJECT", "SPACE"):
            # page controls are not printed themselves (HLASM)
            if st.op == "SPACE":
                n = st.operands.strip()
                out.extend([""] * (int(n) if n.isdigit() else 1))
            elif len(out) > page_start[0]:
                heading(_title_of(st) if st.op == "TITLE" else out_title[0])
            elif st.op == "TITLE":
                out[page_start[0] - 3] = out[page_start[0] - 3].replace(
                    f"{out_title[0][:80]:<80}", f"{_title_of(st)[:80]:<80}", 1)
            if st.op == "TITLE":
                out_title[0] = _title_of(st)
            continue
        if st.kind == "instr" and st.op == "PRINT" and not st.gen:
            opts = {o.strip().upper() for o in st.operands.split(",")}
            if "NOGEN" in opts:
                print_gen = False
            if "GEN" in opts:
                print_gen = True
            if "NODATA" in opts:
                print_data = False
            if "DATA" in opts:
                print_data = True
        if st.gen and not print_gen and not msgs:
            continue
        sect = getattr(st, "sect", None)
        loc = ""
        if sect is not None and st.kind in ("instr", "literal") and st.op not in ("EQU",):
            base = sect.origin if sect.kind in ("SD", "PC") else 0
            loc = f"{(base + st.loc) & 0xFFFFFF:06X}"
        addrs = getattr(st, "addrs", None) or []
        a1 = a2 = ""
        if st.op in ("USING", "EQU") and addrs:
            a2 = _addr(addrs[-1])
        elif len(addrs) == 1:
            a2 = _addr(addrs[0])
        elif len(addrs) >= 2:
            a1, a2 = _addr(addrs[0]), _addr(addrs[1])
        no = "" if st.kind == "literal" else str(getattr(st, "stmt_no", ""))
        mark = "+" if st.gen else " "
        lines = st.lines or [st.text]
        obj = _objtext(st)
        out.append(f"{loc:<6} {obj:<16} {a1:>5} {a2:>5} {no:>5}{mark}{lines[0]}".rstrip())
        for extra in lines[1:]:
            out.append(f"{'':42}{extra}".rstrip())
        data = getattr(st, "obj", b"")
        if print_data and st.kind in ("instr", "literal") and getattr(st, "ins", None) is None \
                and len(data) > 8 and loc:
            start = int(loc, 16)
            for k in range(8, len(data), 8):
                out.append(f"{start + k:06X} {data[k:k + 8].hex().upper()}")
        for m in msgs:
            out.append(f"** {m.message}")
            out.append(f"**   {m.file}:{m.line}:{m.column}")
    out.append("")
    out.extend(cross_reference(asm))
    out.append("")
    flagged = len({(m.file, m.line) for m in asm.messages if m.severity >= 4})
    out.append(f"Assembler summary: {len(asm.messages)} message(s), {flagged} statement(s) flagged, "
               f"highest severity {max((m.severity for m in asm.messages), default=0)}")
    return "\n".join(out) + "\n"


def cross_reference(asm) -> list[str]:
    out = ["Ordinary Symbol and Literal Cross Reference", "",
           "Symbol   Length   Value     Id    R  Type  Defn  References"]
    for name in sorted(asm.symbols):
        s = asm.symbols[name]
        if s.off is None:
            continue
        rid = s.rel[0][0] if len(s.rel) == 1 else 0
        sect = asm.by_rid.get(rid)
        esd = f"{sect.esdid:08X}" if sect is not None and sect.esdid else ("FFFFFFFF" if sect else "00000000")
        value = asm.address(s.off, s.rel) & 0xFFFFFFFF
        refs = " ".join(str(r) for r in sorted(set(s.refs)) if r)
        r = "A" if not s.rel else ("R" if len(s.rel) == 1 else "C")
        out.append(f"{name:<8} {s.length:>6} {value:08X} {esd}  {r}  {s.type:<4} {s.defn:>5}  {refs}".rstrip())
    lits = [st for st in asm.stmts if st.kind == "literal"]
    if lits:
        out.append("")
        out.append("Literal pools")
        for st in lits:
            base = st.sect.origin if st.sect.kind in ("SD", "PC") else 0
            out.append(f"  {(base + st.loc):06X}  pool {st.pool + 1}  {st.lit.text}")
    return out
