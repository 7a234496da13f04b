*---------------------------------------------------------------------
* CPUBOUND: a CPU-bound problem-state program (assist benchmark).
* Supervisor code enters problem state; the loop does loads, adds,
* stores, shifts, MVC/CLC and branches; SVC 0 ends the run in a
* disabled wait. Results: SUM, R6 (running total), R7 (iterations).
* ITER is patched by the benchmark to size the run.
*---------------------------------------------------------------------
CPUBOUND START 0
         DC    X'0000000000',AL3(BEGIN)  IPL PSW: BC, key 0, disabled
         ORG   CPUBOUND+X'60'
         DC    X'0000000000',AL3(SVCNEW) SVC new PSW
         DC    X'0002000000',AL3(X'DEAD00') program new PSW: wait
         ORG   CPUBOUND+X'400'
BEGIN    BALR  12,0
         USING *,12
         LPSW  PROBPSW                  enter problem state at WORK
SVCNEW   LPSW  DONEPSW                  any SVC ends the run
WORK     L     3,ITER
LOOP     L     4,VAL1
         A     4,VAL2
         ST    4,SUM
         LR    5,4
         SLL   5,2
         ALR   6,5
         MVC   BUF1,BUF2
         CLC   BUF1,BUF2
         BNE   FAIL
         LA    7,1(7)
         BCT   3,LOOP
         SVC   0
FAIL     SVC   1
         DS    0D
PROBPSW  DC    X'0001000000',AL3(WORK)  BC mode, problem state
DONEPSW  DC    X'0002000000000000'      disabled wait
ITER     DC    F'20000'
VAL1     DC    F'12345'
VAL2     DC    F'678'
SUM      DC    F'0'
BUF1     DC    CL16' '
BUF2     DC    CL16'ABCDEFGHIJKLMNOP'
         END   BEGIN
