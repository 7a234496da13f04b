*---------------------------------------------------------------------
* MDWRITE: each console line becomes one record (R1, 80 bytes) on
* the next track of minidisk 191 (cylinder 0 head 1 on); the line
* is typed back after 'OK ' once the write ended without unit
* check: the acknowledgement the crash test counts on. I/O as the
* monitor does it: SIO, then an enabled wait for the interruption.
*---------------------------------------------------------------------
MDWRITE  START 0
         DC    X'00000000',A(BEGIN)     IPL PSW: BC, disabled, key 0
         ORG   MDWRITE+X'78'
         DC    X'0000000000',AL3(IOINT) I/O new PSW
         ORG   MDWRITE+X'200'
BEGIN    BALR  12,0
         USING *,12
         SR    6,6                      cylinder
         SR    7,7                      head (first record: head 1)
LOOP     MVI   INBUF,C' '
         MVC   INBUF+1(79),INBUF
         LA    1,READCCW
         LA    2,X'009'
         BAL   10,DOIO
         LA    7,1(,7)                  next track
         CH    7,=H'19'
         BL    SAMECYL
         SR    7,7
         LA    6,1(,6)
SAMECYL  STH   6,SEEKCC
         STH   7,SEEKHH
         STH   6,SRCHCC
         STH   7,SRCHHH
         STH   6,CNTCC
         STH   7,CNTHH
         LA    1,SEEKCCW
         LA    2,X'191'
         BAL   10,DOIO
         MVC   OKLINE(80),INBUF
         LA    1,OKCCW
         LA    2,X'009'
         BAL   10,DOIO
         B     LOOP
DOIO     ST    1,X'48'                  CAW: key 0, CCW address
         SIO   0(2)
         BC    7,FAIL                   not started
         LPSW  WAITPSW                  wait for the interruption
IOINT    TM    X'44',X'02'              unit check: it failed
         BZR   10
FAIL     LPSW  FAILPSW
         DS    0D
WAITPSW  DC    X'FE02000000',AL3(IOINT) BC, channels 0-6 on, wait
FAILPSW  DC    X'000200000000EEEE'
READCCW  CCW   X'0A',INBUF,X'20',80
OKCCW    CCW   X'09',OKMSG,X'20',83
SEEKCCW  CCW   X'07',SEEKADR,X'40',6
SRCHCCW  CCW   X'31',SRCHID,X'40',5
         CCW   X'08',SRCHCCW,0,0
         CCW   X'1D',COUNT,X'00',88
* the fields are XL2, not H: no alignment padding inside them
SEEKADR  DC    XL2'00'
SEEKCC   DC    XL2'00'
SEEKHH   DC    XL2'00'
SRCHID   DS    0C
SRCHCC   DC    XL2'00'
SRCHHH   DC    XL2'00'
         DC    X'00'                    record 0: write after it
COUNT    DS    0C
CNTCC    DC    XL2'00'
CNTHH    DC    XL2'00'
         DC    X'01',X'00',X'0050'      R1, no key, 80 bytes of data
INBUF    DS    CL80
OKMSG    DC    C'OK '
OKLINE   DS    CL80
         LTORG
         END   BEGIN
