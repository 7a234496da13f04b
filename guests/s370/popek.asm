*---------------------------------------------------------------------*
* POPEK: Popek and Goldberg on System/370 (tests/test_popek_goldberg) *
* Executes the sensitive instructions (LPSW SSM STNSM STOSM SSK ISK   *
* RRB LCTL STCTL SIO TIO HIO) in supervisor state, then again in      *
* problem state, where every one of them is privileged: a program     *
* check with interruption code 0002. One fullword per probe at        *
* RESULTS, in the order of the list above, supervisor state first.    *
* Ends in a disabled wait, PSW address D0E0.                          *
*---------------------------------------------------------------------*
POPEK    START 0
         USING POPEK,12
IPLPSW   DC    X'00000000',A(BEGIN)     BC mode, disabled, key 0
         ORG   POPEK+X'60'
SVCNEW   DC    X'00000000',A(SVCH)      SVC new: back to supervisor
PGMNEW   DC    X'00000000',A(PGMH)      program new
         ORG   POPEK+X'400'
BEGIN    SR    12,12
         LA    8,RESULTS
* supervisor state: what each instruction does
         LPSW  CC2PSW                   LPSW: a PSW with CC 2
LPSWED   BALR  1,0                      ILC 1, CC 2, mask 0: X'60'
         SRL   1,24
         BAL   14,SAVE
         SSM   M06                      SSM: system mask X'06'
         STNSM BYTE,X'FF'
         BAL   14,SAVEBYTE              X'06'
         STNSM BYTE,X'02'               STNSM: stores X'06', mask X'02'
         BAL   14,SAVEBYTE
         STOSM BYTE,X'04'               STOSM: stores X'02', mask X'06'
         BAL   14,SAVEBYTE
         SSM   M00
         L     9,A3000
         LA    10,X'30'
         SSK   10,9                     SSK: key 3 on block 3000
         ISK   1,9
         N     1,FF
         BAL   14,SAVE                  X'30'
         L     9,A3800
         LA    10,X'F8'
         SSK   10,9
         SR    1,1
         ISK   1,9                      ISK: key F, fetch protection
         N     1,FF
         BAL   14,SAVE                  X'F8'
         L     9,A3000
         MVI   0(9),X'AA'               reference and change bits on
         RRB   0(9)                     RRB: CC 3 (R=1, C=1)
         BAL   14,SAVECC
         LCTL  8,8,CR8                  LCTL: CR8 = 0000ABCD
         STCTL 8,8,WORD
         L     1,WORD
         BAL   14,SAVE
         STCTL 0,0,WORD                  STCTL: reset CR0, 000000E0
         L     1,WORD
         BAL   14,SAVE
         SIO   X'190'                   SIO, TIO, HIO: no device, CC 3
         BAL   14,SAVECC
         TIO   X'190'
         BAL   14,SAVECC
         HIO   X'190'
         BAL   14,SAVECC
* problem state: every one is a privileged-operation exception
         LPSW  PROBPSW
PROB     LPSW  CC2PSW
         SSM   M06
         STNSM BYTE,X'FF'
         STOSM BYTE,X'04'
         SSK   10,9
         ISK   1,9
         RRB   0(9)
         LCTL  8,8,CR8
         STCTL 8,8,WORD
         SIO   X'190'
         TIO   X'190'
         HIO   X'190'
         SVC   0                        back to supervisor state
SVCH     LPSW  DONE
* the program-check handler: the interruption code, then go on
PGMH     LH    1,X'2A'
         BAL   14,SAVE
         LPSW  X'28'
* SAVE: R1 to the next result; SAVEBYTE: BYTE; SAVECC: the CC
SAVEBYTE SR    1,1
         IC    1,BYTE
         B     SAVE
SAVECC   BALR  1,0
         SRL   1,28
         N     1,THREE
SAVE     ST    1,0(,8)
         LA    8,4(,8)
         BR    14
         DS    0D
CC2PSW   DC    X'00000000',X'20',AL3(LPSWED)
PROBPSW  DC    X'00010000',A(PROB)
DONE     DC    X'000200000000D0E0'
A3000    DC    A(X'3000')
A3800    DC    A(X'3800')
CR8      DC    X'0000ABCD'
FF       DC    F'255'
THREE    DC    F'3'
WORD     DC    F'0'
M00      DC    X'00'
M06      DC    X'06'
BYTE     DC    X'00'
         ORG   POPEK+X'C00'
RESULTS  DC    24F'0'
         END
