"""The assembler benchmark's generated source assembles cleanly (the timing itself
is ``s370vm bench asm``, not a test)."""
from s370.asm import assemble
from s370vm.benchmarks import asm as bench


def test_generated_source_assembles_cleanly():
    a = assemble(bench.source(600), "bench.asm")
    assert a.rc == 0, [m.format() for m in a.errors[:3]]
    assert 590 <= bench.source(600).count("\n") <= 610
