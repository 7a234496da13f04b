"""The preprocessor (NASM manual chapter 4), with the exact bytes expected."""
from __future__ import annotations

from ia32.asm import assemble
from ia32.asm.preprocess import preprocess


def _bytes(src: str) -> bytes:
    a = assemble(src)
    assert a.ok, [e.format() for e in a.errors]
    return a.binary


def test_define_with_and_without_parameters_4_1_1():
    assert _bytes("%define A 3\n%define SUM(x,y) ((x)+(y))\ndb A, SUM(A, 4), SUM((1+2)*2, 1)\n") \
        == bytes([3, 7, 7])


def test_define_expands_at_use_xdefine_at_definition_4_1_2():
    src = ("%define B 1\n%define LAZY B\n%xdefine EAGER B\n%define B 2\n"
           "db LAZY, EAGER\n")
    assert _bytes(src) == bytes([2, 1])


def test_undef_and_ifdef():
    src = "%define X 1\n%undef X\n%ifdef X\ndb 1\n%else\ndb 2\n%endif\n"
    assert _bytes(src) == bytes([2])


def test_idefine_is_case_insensitive():
    assert _bytes("%idefine Foo 9\ndb FOO, foo\n") == bytes([9, 9])


def test_self_reference_stops_expansion():
    # NASM leaves a macro's own name alone inside its expansion
    assert _bytes("x equ 5\n%define x x+1\ndb x\n") == bytes([6])


def test_assign_evaluates_and_rep_repeats_4_1_8_4_5():
    src = "%assign i 0\n%rep 4\ndb i*i\n%assign i i+1\n%endrep\n"
    assert _bytes(src) == bytes([0, 1, 4, 9])


def test_exitrep_leaves_the_loop():
    src = "%assign i 0\n%rep 100\n%if i == 3\n%exitrep\n%endif\ndb i\n%assign i i+1\n%endrep\n"
    assert _bytes(src) == bytes([0, 1, 2])


def test_macro_parameters_count_and_defaults_4_3():
    src = ("%macro m 1-3 7, 8\ndb %1, %2, %3, %0\n%endmacro\n"
           "m 1\nm 1, 2\nm 1, 2, 3\n")
    assert _bytes(src) == bytes([1, 7, 8, 3, 1, 2, 8, 3, 1, 2, 3, 3])


def test_greedy_parameter_and_braces_4_3_3():
    src = "%macro g 2+\ndb %1\ndb %2\n%endmacro\ng 1, 2, 3\ng {4, 5}, 6\n"
    assert _bytes(src) == bytes([1, 2, 3, 4, 5, 6])


def test_macro_local_labels_are_unique_per_call_4_3_2():
    src = ("bits 32\n%macro spin 0\n%%again: jmp %%again\n%endmacro\n"
           "spin\nspin\n")
    assert _bytes(src) == bytes([0xEB, 0xFE, 0xEB, 0xFE])


def test_overloading_by_parameter_count():
    src = "%macro p 1\ndb 1\n%endmacro\n%macro p 2\ndb 2\n%endmacro\np a\np a, b\n"
    assert _bytes(src) == bytes([1, 2])


def test_label_before_a_macro_call():
    src = "bits 32\n%macro two 0\nnop\nnop\n%endmacro\nhere: two\ndd here\n"
    assert _bytes(src) == bytes([0x90, 0x90, 0, 0, 0, 0])


def test_parameters_paste_into_identifiers():
    src = "%macro lab 1\nl%1: db %1\n%endmacro\nlab 4\nlab 5\ndb l5 - l4\n"
    assert _bytes(src) == bytes([4, 5, 1])


def test_if_elif_else_nesting_4_4():
    src = ("%define V 2\n%if V == 1\ndb 1\n%elif V == 2\n%if 0\ndb 9\n%else\ndb 2\n%endif\n"
           "%else\ndb 3\n%endif\n%ifndef V\ndb 4\n%endif\n")
    assert _bytes(src) == bytes([2])


def test_ifidn_ifidni_ifnum_ifstr_ifempty():
    src = ("%macro t 1\n%ifidni %1, eax\ndb 1\n%elifnum %1\ndb 2\n%elifstr %1\ndb 3\n%else\ndb 4\n%endif\n"
           "%endmacro\nt EAX\nt 5\nt 'x'\nt ebx\n%ifidn a, A\ndb 9\n%endif\n%ifempty\ndb 5\n%endif\n")
    assert _bytes(src) == bytes([1, 2, 3, 4, 5])


def test_ifmacro():
    assert _bytes("%macro m 0\n%endmacro\n%ifmacro m\ndb 1\n%endif\n%ifmacro n\ndb 2\n%endif\n") == b"\x01"


def test_line_continuation_and_comments():
    assert _bytes("db 1, \\\n   2 ; comment, 3\ndb ';'\n") == bytes([1, 2, ord(";")])


def test_include_searches_the_file_directory_then_include_dirs(tmp_path):
    (tmp_path / "a.inc").write_text("db 1\n%include 'b.inc'\n")
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.inc").write_text("db 2\n")
    main = tmp_path / "main.asm"
    main.write_text("%include \"a.inc\"\ndb 3\n")
    from ia32.asm import assemble_file
    a = assemble_file(main, [str(other)])
    assert a.ok, [e.format() for e in a.errors]
    assert a.binary == bytes([1, 2, 3])


def test_lines_keep_file_and_line_numbers(tmp_path):
    lines, errors, _ = preprocess("%macro m 0\nnop\n%endmacro\nm\nhlt\n", "x.asm")
    assert not errors
    assert [(ln.text, ln.line, ln.depth) for ln in lines if not ln.listed_only] == \
        [("nop", 2, 1), ("hlt", 5, 0)]
    # the listing also shows the definition and the call, as written
    assert [(ln.source, ln.line) for ln in lines if ln.listed_only] == \
        [("%macro m 0", 1), ("nop", 2), ("%endmacro", 3), ("m", 4)]


def test_rotate_walks_the_parameters_4_3_7():
    src = ("%macro rev 1-*\n%rep %0\n%rotate -1\ndb %1\n%endrep\n%endmacro\n"
           "rev 1, 2, 3\n")
    assert _bytes(src) == bytes([3, 2, 1])


def test_token_pasting_4_1_4():
    assert _bytes("%define N 7\nx %+ N equ 5\ndb x7, x %+ N\n") == bytes([5, 5])
