"""SHUTDOWN from a 3270 with another 3270 user on: CP ends, both connections
end, nothing is logged as an error."""
from .tn3270_support import CP, S3270, needs_s3270


@needs_s3270
def test_operator_shutdown_at_a_3270_ends_every_3270_session(tmp_path):
    cp = CP(str(tmp_path))
    op, user = S3270(), S3270()
    try:
        for t, (who, pw) in ((op, ("OPERATOR", "OPERATOR")), (user, ("GUEST1", "GUEST"))):
            t.connect(cp.port)
            t.enter(f"LOGON {who}")
            t.wait_text("ENTER PASSWORD:")
            t.enter(pw)
            t.wait_text("LOGON AT")
        op.enter("SHUTDOWN")
        assert cp.ended()
        user.do("Wait(5,Disconnect)")
        op.do("Wait(5,Disconnect)")
        assert user.status[3] == "N" and op.status[3] == "N"     # not connected any more
    finally:
        op.close()
        user.close()
    assert cp.host.errors == []
