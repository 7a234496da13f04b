*---------------------------------------------------------------------
* IOHEAVY: starts a one-CCW channel program (a no-operation to the
* printer at 00E) with SIO, waits enabled for its I/O interruption,
* and repeats (assist benchmark). Results: R7 interruptions, CSW.
*---------------------------------------------------------------------
IOHEAVY  START 0
         DC    X'0000000000',AL3(BEGIN)  IPL PSW: BC, key 0, disabled
         ORG   IOHEAVY+X'68'
         DC    X'0002000000',AL3(X'DEAD00') program new PSW: wait
         ORG   IOHEAVY+X'78'
         DC    X'0000000000',AL3(IODONE) I/O new PSW: disabled
         ORG   IOHEAVY+X'400'
BEGIN    BALR  12,0
         USING *,12
         MVC   X'48'(4),CAWVAL          CAW: key 0, channel program
         L     3,ITER
LOOP     SIO   X'00E'
         BNZ   FAIL
         LPSW  WAITPSW                  enabled wait for I/O
IODONE   LA    7,1(7)
         BCT   3,LOOP
         LPSW  DONEPSW
FAIL     LPSW  FAILPSW
         DS    0D
NOPCCW   DC    X'03',AL3(0),X'20',X'00',H'1'   no-op, SLI
WAITPSW  DC    X'8002000000000000'      channel 0 enabled, wait
DONEPSW  DC    X'0002000000000000'      disabled wait
FAILPSW  DC    X'0002000000000BA0'
CAWVAL   DC    A(NOPCCW)
ITER     DC    F'2000'
         END   BEGIN
