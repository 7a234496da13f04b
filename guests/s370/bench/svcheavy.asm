*---------------------------------------------------------------------
* SVCHEAVY: a problem-state program that calls its supervisor with
* SVC 3 in a tight loop, as programs call an OS (assist benchmark).
* The SVC handler counts calls in R8 and returns with LPSW of the SVC
* old PSW; SVC 0 ends the run. Results: R7 iterations, R8 SVC count.
*---------------------------------------------------------------------
SVCHEAVY START 0
         DC    X'0000000000',AL3(BEGIN)  IPL PSW: BC, key 0, disabled
         ORG   SVCHEAVY+X'60'
         DC    X'0000000000',AL3(SVCNEW) SVC new PSW
         DC    X'0002000000',AL3(X'DEAD00') program new PSW: wait
         ORG   SVCHEAVY+X'400'
BEGIN    BALR  12,0
         USING *,12
         LPSW  PROBPSW                  enter problem state at WORK
SVCNEW   CLI   X'23',0                  SVC 0? (code in BC old PSW)
         BE    DONE
         LA    8,1(8)                   count the call
         LPSW  X'20'                    return to the caller
DONE     LPSW  DONEPSW
WORK     L     3,ITER
LOOP     SVC   3
         LA    7,1(7)
         BCT   3,LOOP
         SVC   0
         DS    0D
PROBPSW  DC    X'0001000000',AL3(WORK)  BC mode, problem state
DONEPSW  DC    X'0002000000000000'      disabled wait
ITER     DC    F'5000'
         END   BEGIN
