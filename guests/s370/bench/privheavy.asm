*---------------------------------------------------------------------
* PRIVHEAVY: a supervisor that disables and re-enables interruptions
* around short critical sections with STNSM, SSM and STOSM and moves
* on with LPSW, as an OS does (assist benchmark). Nothing is pending,
* so no mask change lets an interruption in. Results: R5 count, SUM.
*---------------------------------------------------------------------
PRIVHVY  START 0
         DC    X'FE00000000',AL3(BEGIN)  IPL PSW: BC, channels enabled
         ORG   PRIVHVY+X'68'
         DC    X'0002000000',AL3(X'DEAD00') program new PSW: wait
         ORG   PRIVHVY+X'400'
BEGIN    BALR  12,0
         USING *,12
         L     3,ITER
LOOP     STNSM OLDMASK,X'00'            disable, keep the old mask
         LA    5,1(5)                   the critical section
         SSM   OLDMASK                  enable again
         STOSM OLDMASK,X'00'            read the mask
         LPSW  NEXTPSW                  continue at NEXT
NEXT     L     4,VAL1
         A     4,VAL2
         ST    4,SUM
         BCT   3,LOOP
         LPSW  DONEPSW
         DS    0D
NEXTPSW  DC    X'FE00000000',AL3(NEXT)
DONEPSW  DC    X'0002000000000000'      disabled wait
ITER     DC    F'5000'
VAL1     DC    F'12345'
VAL2     DC    F'678'
SUM      DC    F'0'
OLDMASK  DC    X'00'
         END   BEGIN
