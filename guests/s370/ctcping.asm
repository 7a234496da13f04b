*---------------------------------------------------------------------*
* CTCPING: one side of a channel-to-channel adapter exchange (the     *
* other is CTCPONG).  The CTCA is at X'500' (DEFINE CTCA 500, COUPLE  *
* 500 TO userid 600).  It writes a 20-byte message; the write ends    *
* when the other side has read it.  It waits for the attention that   *
* the other side's write raises, reads the answer (80 bytes, SLI),    *
* then reads again: that read ends with unit exception, the other     *
* side's WRITE EOF.  Results at fixed places for the test to check:   *
*   X'1000' the answer, X'1100' its residual count, X'1102' the       *
*   unit status of the last read.                                     *
* Ends in a disabled wait: address 0 success, X'EEEE' failure.        *
*---------------------------------------------------------------------*
CTCPING  START 0
IPLPSW   DC    X'00000000',A(BEGIN)   BC mode, I/O disabled, key 0
         ORG   CTCPING+X'200'
BEGIN    BALR  12,0                   establish addressability
         USING *,12
         LA    3,WRITECCW             write the message
         BAL   14,DOIO
         CLI   X'44',X'0C'            channel end and device end alone
         BNE   FAIL
ATTN     TIO   X'500'                 wait for the attention
         BC    8,ATTN                 CC 0: nothing yet
         BC    3,FAIL                 CC 2 or 3: not expected
         TM    X'44',X'80'            attention?
         BNO   FAIL
         LA    3,READCCW              read the answer
         BAL   14,DOIO
         CLI   X'44',X'0C'
         BNE   FAIL
         MVC   RESID(2),X'46'         residual count of the read
         LA    3,READ2CCW             read again: end of file
         BAL   14,DOIO
         MVC   EOFSTAT(1),X'44'
         LPSW  DONEPSW
*        DOIO: start the CCW at R3 on X'500' and wait for its ending;
*        the CSW is at X'40' on return.  A pending status (an
*        attention) makes SIO store it (CC 1): then start again.
DOIO     ST    3,X'48'                CAW: key 0, the CCW's address
SIO      SIO   X'500'
         BC    4,SIO                  CC 1: status was pending, again
         BC    3,FAIL                 CC 2 or 3
WAIT     TIO   X'500'
         BC    2,WAIT                 CC 2: the command waits
         BC    8,FAIL                 CC 0: no ending?
         BR    14                     CC 1: the CSW is stored
FAIL     LPSW  FAILPSW
         DS    0D
DONEPSW  DC    X'0002000000000000'    disabled wait, address 0: success
FAILPSW  DC    X'000200000000EEEE'    disabled wait, X'EEEE': failure
WRITECCW CCW   X'01',MESSAGE,0,L'MESSAGE
READCCW  CCW   X'02',ANSWER,X'20',80  read, SLI
READ2CCW CCW   X'02',ANSWER2,X'20',80
MESSAGE  DC    CL20'PING FROM CTCPING'
         ORG   CTCPING+X'1000'
ANSWER   DC    XL80'00'
         ORG   CTCPING+X'1100'
RESID    DC    H'0'
EOFSTAT  DC    X'00'
         ORG   CTCPING+X'1200'
ANSWER2  DC    XL80'00'
         END   BEGIN
